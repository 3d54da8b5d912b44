// The `probes:` section and `egress[].upstreams[].probe`: defaults, and errors that name the key.
import { expect, test } from 'vitest';
import { ConfigSchema } from '../../../src/config/schema.js';
import { formatPath } from '../../../src/core/key-path.js';

const inbound = [{ name: 'app', port: 0, tls: { cert: 'c', key: 'k', clientCa: 'ca' }, upstream: { url: 'http://127.0.0.1:8080' }, routes: [{ name: 'r', path: '/**', allow: ['*'] }] }];

function errors(probes: unknown): string[] {
  const result = ConfigSchema.safeParse({ inbound, probes });
  return result.success ? [] : result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

test('defaults: every check, 5 minutes, 5 s', () => {
  const parsed = ConfigSchema.parse({ inbound, probes: [{ name: 'p', target: 'a.example:443' }] });
  expect(parsed.probes[0]).toMatchObject({ intervalMs: 300_000, timeoutMs: 5_000, checks: ['protocols', 'ciphers', 'certificate', 'mtls', 'http'] });
  expect(ConfigSchema.parse({ inbound }).probes).toEqual([]);
});

test.each([
  [[{ name: 'p', target: 'nope' }], 'probes[0].target: target "nope" must be HOST:PORT'],
  [[{ name: 'p', target: '[::1]:8443', intervalMs: 500 }], 'probes[0].intervalMs: must be at least 10000 (10 s)'],
  [[{ name: 'p', target: 'a:1', cert: 'c.pem' }], 'probes[0].key: cert and key go together'],
  [[{ name: 'p', target: 'a:1', expectIdentity: 'spiffe://A/b' }], 'probes[0].expectIdentity: must be a SPIFFE ID or dns:NAME'],
  [[{ name: 'p', target: 'a:1', checks: ['tls'] }], 'probes[0].checks[0]'],
  [[{ name: 'p', target: 'a:1', color: 'red' }], 'probes[0]'],
  [[{ name: 'p', target: 'a:1' }, { name: 'p', target: 'b:1' }], 'probes[1].name: duplicate probe name "p"'],
])('%j is refused: %s', (probes, message) => {
  expect(errors(probes).join('\n')).toContain(message);
});

test('files a probe names must exist and parse: the error names the key', async () => {
  const { probeFileErrors } = await import('../../../src/config/load-probes.js');
  const config = ConfigSchema.parse({ inbound, probes: [{ name: 'p', target: 'a:1', ca: 'missing-ca.pem', cert: 'package.json', key: 'package.json' }] });
  const errors = probeFileErrors(config, new URL('../../..', import.meta.url).pathname);
  expect(errors).toEqual(['probes[0].ca: file not found: missing-ca.pem', 'probes[0].cert: no PEM certificate in package.json', 'probes[0].key: no PEM private key in package.json']);
});
