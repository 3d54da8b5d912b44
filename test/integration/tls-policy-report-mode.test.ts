// In report mode a peer-certificate policy finding (here: a lifetime over tls.peer.maxLifetime →
// cert_lifetime_too_long) is forwarded and recorded as would_deny; a chain that does not verify
// is still refused at the handshake. (Weak keys are not used here: newer OpenSSL refuses
// RSA-1024 at the handshake itself, which no mode can forward.)
import { expect, test } from 'vitest';
import { createCa, createLeaf } from '../../src/certs/factory.js';
import { call, mtlsAgent, tryHandshake } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: ({ pki }) => ({ mode: 'report', listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath, peer: { maxLifetime: '24h' } } } }),
});

test('a policy finding in report mode → forwarded, would_deny cert_lifetime_too_long', async () => {
  const longLived = await pki.issue('long-lived', { uris: [IDS.frontend], notAfter: new Date(Date.now() + 48 * 3_600_000) });
  const agent = mtlsAgent(pki, longLived);
  const response = await call(`${sidecar.url}/public/x`, agent);
  await agent.close();
  expect(response.status).toBe(200);
  expect(upstream.received).toHaveLength(1);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { decision: 'would_deny', reason: 'cert_lifetime_too_long' })).toBe(1);
  expect(sidecar.logs.requests()[0]).toMatchObject({ decision: 'would_deny', reason: 'cert_lifetime_too_long' });
});

test('an unverified chain is refused at the handshake even in report mode', async () => {
  const rogue = await createLeaf({ issuer: await createCa({ commonName: 'Rogue CA' }), uris: [IDS.frontend] });
  const result = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: rogue.certPem, key: rogue.keyPem });
  expect(result.ok).toBe(false);
  expect(upstream.received).toHaveLength(1);
});
