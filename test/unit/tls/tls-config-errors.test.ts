// Bad TLS policy config is reported at its key path: an unknown cipher list or group list
// (OpenSSL refuses it), a bad maxLifetime duration, a CRL file that is not a CRL.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfigObject } from '../../../src/config/load.js';
import { makePki, type TestPki } from '../../helpers/pki.js';
import { sidecarConfig } from '../../helpers/sidecar.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki?.cleanup());

function errorsFor(tls: Record<string, unknown>): string[] {
  const config = sidecarConfig(pki, { upstreamUrl: 'http://127.0.0.1:1', listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath, ...tls } } });
  const result = loadConfigObject(config, pki.dir);
  return result.ok ? [] : result.errors;
}

test.each([
  [{ ciphers: 'NOT-A-CIPHER' }, /^inbound\[0\]\.tls\.ciphers: OpenSSL does not accept this cipher list/],
  [{ groups: 'P-999' }, /^inbound\[0\]\.tls\.groups: OpenSSL does not accept this group list/],
  [{ peer: { maxLifetime: '24 hours' } }, /^inbound\[0\]\.tls\.peer\.maxLifetime: invalid duration/],
  [{ peer: { minRsaBits: 512 } }, /^inbound\[0\]\.tls\.peer\.minRsaBits: /],
  [{ peer: { ssl: true } }, /^inbound\[0\]\.tls\.peer\.ssl: unknown key/],
])('%j is reported at its key', (tls, message) => {
  expect(errorsFor(tls)).toEqual([expect.stringMatching(message)]);
});

test('a CRL file that is not a CRL', () => {
  const file = pki.write('not-a-crl.pem', pki.ca.certPem);
  expect(errorsFor({ crl: [file] })).toEqual([expect.stringMatching(/^inbound\[0\]\.tls\.crl\[0\]: no PEM "X509 CRL" block/)]);
});

test('defaults load', () => {
  expect(errorsFor({})).toEqual([]);
});
