import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { selfInvocation, shellQuote } from '../../../src/cli/invocation.js';

const dir = mkdtempSync(join(tmpdir(), 'palisade-invocation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('shell quoting leaves safe words alone and quotes the rest', () => {
  expect(shellQuote('/tmp/a-b_c.yaml')).toBe('/tmp/a-b_c.yaml');
  expect(shellQuote('/tmp/demo files/run.yaml')).toBe("'/tmp/demo files/run.yaml'");
  expect(shellQuote("it's")).toBe(`'it'\\''s'`);
});

test('prints `palisade` only when that name on PATH is this very script (npm link makes it a symlink)', () => {
  const script = join(dir, 'main.js');
  writeFileSync(script, '', { mode: 0o755 });
  const linked = join(dir, 'linked');
  const other = join(dir, 'other');
  mkdirSync(linked);
  mkdirSync(other);
  symlinkSync(script, join(linked, 'palisade'));
  writeFileSync(join(other, 'palisade'), '#!/bin/sh\n', { mode: 0o755 });
  const absolute = `${shellQuote(process.execPath)} ${script}`;
  expect(selfInvocation({ PATH: linked }, script)).toBe('palisade');
  // Another palisade first on PATH: the absolute form, never a name that runs something else.
  expect(selfInvocation({ PATH: `${other}:${linked}` }, script)).toBe(absolute);
  expect(selfInvocation({ PATH: '' }, script)).toBe(absolute);
});
