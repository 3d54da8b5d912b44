// examples/palisade.yaml works as its own comments say: after the `palisade certs init` line it
// quotes, `palisade validate -c palisade.yaml` passes (text and --format json).
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';

const example = new URL('../../examples/palisade.yaml', import.meta.url).pathname;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-example-'));
  copyFileSync(example, join(dir, 'palisade.yaml'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the certs init line in its comments, then validate, passes', async () => {
  // The command as the comment prints it (continuation lines joined), minus the leading `palisade`.
  const comment = readFileSync(example, 'utf8').match(/^#\s+palisade (certs init[^\n]*\\\n(?:#[^\n]*\\\n)*#[^\n]*)$/m)?.[1];
  expect(comment).toBeDefined();
  const args = comment!.replace(/\\\n#\s*/g, ' ').trim().split(/\s+/);
  const certs = await runCli(args, { cwd: dir });
  expect(certs.stderr).toBe('');
  expect(certs.code).toBe(0);

  const text = await runCli(['validate', '-c', 'palisade.yaml'], { cwd: dir });
  expect(text.stderr).toBe('');
  expect(text.stdout).toBe('palisade.yaml: ok; inbound: app (127.0.0.1:8443, 2 routes)\n');
  expect(text.code).toBe(0);

  const json = await runCli(['validate', '-c', 'palisade.yaml', '--format', 'json'], { cwd: dir });
  expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, errors: [], inbound: [{ name: 'app', port: 8443, routes: 2 }] });
});
