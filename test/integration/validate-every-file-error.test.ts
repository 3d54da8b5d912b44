// `palisade validate` (the built CLI) reports EVERY missing or bad file in one run, not the first
// per listener: several files of one listener, of two listeners, of an egress upstream, and a
// mix of missing, unreadable-as-PEM and mismatched files, each named by its key path.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { egressConfig, egressUpstream } from '../helpers/egress.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { sidecarConfig } from '../helpers/sidecar.js';

let pki: TestPki;
type Listener = Record<string, unknown> & { tls: Record<string, unknown> };

beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki?.cleanup());

async function validate(name: string, config: Record<string, unknown>): Promise<{ code: number | null; lines: string[]; path: string }> {
  const path = join(pki.dir, name);
  writeFileSync(path, stringify(config));
  const result = await runCli(['validate', '-c', path]);
  return { code: result.code, lines: result.stderr.split('\n').map((line) => line.trim()).filter(Boolean), path };
}

const gone = (name: string) => join(pki.dir ?? '', `missing-${name}`);

test('cert, key, clientCa and two CRLs of one listener, all missing: five errors', async () => {
  const config = sidecarConfig(pki, { upstreamUrl: 'http://127.0.0.1:8080' });
  const listener = (config['inbound'] as Listener[])[0] as Listener;
  Object.assign(listener.tls, { cert: gone('cert.pem'), key: gone('key.pem'), clientCa: gone('ca.pem'), crl: [gone('a.crl'), gone('b.crl')] });
  const { code, lines, path } = await validate('one-listener.yaml', config);
  expect(code).toBe(1);
  expect(lines[0]).toBe(`${path}: 5 error(s)`);
  expect(lines).toContain(`inbound[0].tls.cert: file not found: ${gone('cert.pem')}`);
  expect(lines).toContain(`inbound[0].tls.key: file not found: ${gone('key.pem')}`);
  expect(lines).toContain(`inbound[0].tls.clientCa: file not found: ${gone('ca.pem')}`);
  expect(lines).toContain(`inbound[0].tls.crl[0]: file not found: ${gone('a.crl')}`);
  expect(lines).toContain(`inbound[0].tls.crl[1]: file not found: ${gone('b.crl')}`);
});

test('a bad file and a missing one in the same listener, and another listener with its own problem', async () => {
  const garbage = pki.write('garbage.pem', 'not a certificate\n');
  const config = sidecarConfig(pki, { upstreamUrl: 'http://127.0.0.1:8080' });
  const first = (config['inbound'] as Listener[])[0] as Listener;
  const second = structuredClone(first);
  Object.assign(first.tls, { cert: garbage, clientCa: gone('ca.pem') });
  Object.assign(second, { name: 'second', port: 0 });
  Object.assign(second.tls, { key: pki.frontend.key, ciphers: 'NOT-A-CIPHER' });
  (config['inbound'] as Listener[]).push(second);
  const { code, lines, path } = await validate('two-listeners.yaml', config);
  expect(code).toBe(1);
  expect(lines[0]).toBe(`${path}: 4 error(s)`);
  expect(lines).toContain(`inbound[0].tls.cert: no PEM certificate in ${garbage}`);
  expect(lines).toContain(`inbound[0].tls.clientCa: file not found: ${gone('ca.pem')}`);
  expect(lines).toContain(`inbound[1].tls.key: does not match the certificate in ${pki.server.cert}`);
  expect(lines.find((line) => line.startsWith('inbound[1].tls.ciphers: '))).toBeDefined();
});

test('an egress upstream with cert, key and ca missing, and a second upstream with a bad key', async () => {
  const garbageKey = pki.write('garbage-key.pem', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
  const config = egressConfig(pki, [
    egressUpstream(pki, 'orders', 'https://127.0.0.1:9443', { tls: { cert: gone('out.pem'), key: gone('out-key.pem'), ca: gone('out-ca.pem') } }),
    egressUpstream(pki, 'billing', 'https://127.0.0.1:9444', { tls: { key: garbageKey } }),
  ]);
  const { code, lines, path } = await validate('egress.yaml', config);
  expect(code).toBe(1);
  expect(lines[0]).toBe(`${path}: 4 error(s)`);
  expect(lines).toContain(`egress[0].upstreams[0].tls.cert: file not found: ${gone('out.pem')}`);
  expect(lines).toContain(`egress[0].upstreams[0].tls.key: file not found: ${gone('out-key.pem')}`);
  expect(lines).toContain(`egress[0].upstreams[0].tls.ca: file not found: ${gone('out-ca.pem')}`);
  expect(lines).toContain(`egress[0].upstreams[1].tls.key: not a readable private key: ${garbageKey}`);
  // Never quotes key material.
  expect(lines.join('\n')).not.toContain('AAAA');
});

test('inbound and egress file problems and a schema-valid config otherwise: all reported together', async () => {
  const config = egressConfig(pki, [egressUpstream(pki, 'orders', 'https://127.0.0.1:9443', { tls: { ca: gone('out-ca.pem') } })]);
  const listener = (config['inbound'] as Listener[])[0] as Listener;
  Object.assign(listener.tls, { key: gone('key.pem') });
  const { code, lines, path } = await validate('both.yaml', config);
  expect(code).toBe(1);
  expect(lines[0]).toBe(`${path}: 2 error(s)`);
  expect(lines).toContain(`inbound[0].tls.key: file not found: ${gone('key.pem')}`);
  expect(lines).toContain(`egress[0].upstreams[0].tls.ca: file not found: ${gone('out-ca.pem')}`);
});
