// A client certificate from another CA is refused at the handshake (in report mode too), with
// the precise reason unknown_ca; an expired client certificate is refused as cert_expired.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCa, createLeaf } from '../../src/certs/factory.js';
import { tryHandshake } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  // Report mode on purpose: it must still never let an unverified chain through.
  sidecar = await startSidecar(pki, { upstreamUrl: upstream.url, mode: 'report' });
});
afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('a certificate from another CA, with the same SPIFFE ID, is refused', async () => {
  const rogueCa = await createCa({ commonName: 'Rogue CA' });
  const rogue = await createLeaf({ issuer: rogueCa, uris: [IDS.frontend] });
  for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
    const result = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: rogue.certPem, key: rogue.keyPem, maxVersion });
    expect(result.ok).toBe(false);
    expect(result.response).toBe('');
  }
  expect(upstream.received).toHaveLength(0);
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { result: 'failure', reason: 'unknown_ca' })).toBe(2);
});

test('a self-signed client certificate is refused', async () => {
  const self = await createCa({ commonName: 'frontend' });
  const result = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: self.certPem, key: self.keyPem });
  expect(result.ok).toBe(false);
  expect(upstream.received).toHaveLength(0);
});

test('an expired client certificate is refused as cert_expired', async () => {
  const expired = await pki.issue('expired', { uris: [IDS.frontend], notBefore: new Date(Date.now() - 7_200_000), notAfter: new Date(Date.now() - 3_600_000) });
  const result = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: expired.certPem, key: expired.keyPem });
  expect(result.ok).toBe(false);
  expect(upstream.received).toHaveLength(0);
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { result: 'failure', reason: 'cert_expired' })).toBe(1);
});
