// A client certificate must be for client authentication: an extendedKeyUsage without
// clientAuth is refused by OpenSSL at the handshake (INVALID_PURPOSE → cert_not_client_auth);
// a certificate with no EKU extension passes OpenSSL, so the policy refuses it with 403.
import { expect, test } from 'vitest';
import { call, mtlsAgent, tryHandshake } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started));

test('EKU serverAuth only → handshake refused as cert_not_client_auth', async () => {
  const serverOnly = await pki.issue('server-only', { uris: [IDS.frontend], extendedKeyUsages: ['serverAuth'] });
  const result = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: serverOnly.certPem, key: serverOnly.keyPem });
  expect(result.ok).toBe(false);
  expect(upstream.received).toHaveLength(0);
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { result: 'failure', reason: 'cert_not_client_auth' })).toBe(1);
});

test('no EKU extension → 403 cert_not_client_auth', async () => {
  const noEku = await pki.issue('no-eku', { uris: [IDS.frontend], extendedKeyUsages: [] });
  const agent = mtlsAgent(pki, noEku);
  const response = await call(`${sidecar.url}/public/x`, agent);
  await agent.close();
  expect(response.status).toBe(403);
  expect(response.json()['reason']).toBe('cert_not_client_auth');
  expect(upstream.received).toHaveLength(0);
});
