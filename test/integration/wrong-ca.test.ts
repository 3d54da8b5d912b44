// A client certificate from another CA is refused at the handshake (in report mode too), with
// the precise reason unknown_ca; an expired client certificate is refused as cert_expired.
import { expect, test } from 'vitest';
import { createCa, createLeaf } from '../../src/certs/factory.js';
import { tryHandshake } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  // Report mode on purpose: it must still never let an unverified chain through.
  sidecar: { mode: 'report' },
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
