// `palisade validate -c FILE` (the built CLI, as a child process): exit 0 for a good config;
// exit 1 with every schema problem named by its key path in one run; file problems (missing
// file, key that does not match its certificate) named by key path once the schema passes; a
// YAML syntax error explained; exit 2 with the usage text when -c is missing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { sidecarConfig } from '../helpers/sidecar.js';

let pki: TestPki;

type Listener = { tls: Record<string, unknown>; routes: Array<Record<string, unknown>>; [key: string]: unknown };

/** A valid config, with `edit` applied to it, written as NAME into the PKI dir. */
function writeConfig(name: string, edit: (config: Record<string, unknown>, listener: Listener) => void = () => undefined): string {
  const config = sidecarConfig(pki, { upstreamUrl: 'http://127.0.0.1:8080' });
  edit(config, (config['inbound'] as Listener[])[0]!);
  const path = join(pki.dir, name);
  writeFileSync(path, stringify(config));
  return path;
}

beforeAll(async () => {
  pki = await makePki();
});

afterAll(() => {
  pki?.cleanup();
});

test('a good config validates with exit 0', async () => {
  const path = writeConfig('good.yaml');
  const result = await runCli(['validate', '-c', path]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toContain(`${path}: ok`);
  expect(result.stdout).toContain('app (127.0.0.1:0, 3 routes)');
});

test('several schema problems are all reported at once, each with its key path', async () => {
  const path = writeConfig('many.yaml', (config, listener) => {
    config['bogus'] = true;
    listener.tls['clientCA'] = pki.caPath;
    listener['port'] = 70_000;
    listener.routes[0]!['path'] = 'api/**';
    listener.routes[1]!['allow'] = ['spiffe://x/*foo'];
  });
  const result = await runCli(['validate', '-c', path]);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').map((line) => line.trim());
  expect(lines[0]).toBe(`${path}: 5 error(s)`);
  expect(lines).toContain('bogus: unknown key');
  expect(lines).toContain('inbound[0].tls.clientCA: unknown key');
  expect(lines.find((line) => line.startsWith('inbound[0].port: '))).toMatch(/65535/);
  expect(lines).toContain('inbound[0].routes[0].path: must start with "/"');
  expect(lines).toContain('inbound[0].routes[1].allow[0]: "*" must be a whole path segment');
});

test('a missing file is named by its key path (file checks run once the schema passes)', async () => {
  const missing = join(pki.dir, 'no-such-ca.pem');
  const path = writeConfig('missing-ca.yaml', (_config, listener) => {
    listener.tls['clientCa'] = missing;
  });
  const result = await runCli(['validate', '-c', path]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`${path}: 1 error(s)`);
  expect(result.stderr).toContain(`inbound[0].tls.clientCa: file not found: ${missing}`);
});

test('a key that does not match its certificate is named as inbound[0].tls.key', async () => {
  const path = writeConfig('mismatch.yaml', (_config, listener) => {
    listener.tls['key'] = pki.frontend.key;
  });
  const result = await runCli(['validate', '-c', path]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`inbound[0].tls.key: does not match the certificate in ${pki.server.cert}`);
  // Error messages never quote key material.
  expect(result.stderr).not.toContain('PRIVATE KEY');
});

test('a YAML syntax error is exit 1 with a message naming the file and the line', async () => {
  const path = join(pki.dir, 'syntax.yaml');
  writeFileSync(path, 'inbound:\n  - name: app\n    port: [8443\n');
  const result = await runCli(['validate', '-c', path]);
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: YAML .*line \\d+`));
  expect(result.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
});

test('no -c is a usage error: exit 2 with the usage text', async () => {
  const result = await runCli(['validate']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('validate needs -c FILE');
  expect(result.stderr).toContain('Usage:');
  expect(result.stderr).toContain('palisade validate -c palisade.yaml');
});
