// With tls.peer.trustDomains set, a well-formed SPIFFE ID from another trust domain names no
// acceptable identity: 403 bad_spiffe_id, even on a route that allows any peer.
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { IDS, TRUST_DOMAIN, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: ({ pki }) => ({
    listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath, peer: { trustDomains: [TRUST_DOMAIN] } } },
  }),
});

test('another trust domain → 403 bad_spiffe_id; the configured one passes', async () => {
  const foreign = await pki.issue('foreign', { uris: ['spiffe://other.example/ns/app/sa/frontend'] });
  const agent = mtlsAgent(pki, foreign);
  const refused = await call(`${sidecar.url}/public/x`, agent);
  await agent.close();
  expect(refused.status).toBe(403);
  expect(refused.json()['reason']).toBe('bad_spiffe_id');
  expect(sidecar.logs.requests()[0]?.['reasons']).toEqual([expect.objectContaining({ detail: expect.stringContaining('other.example') })]);

  const local = mtlsAgent(pki, pki.frontend);
  const allowed = await call(`${sidecar.url}/public/x`, local);
  await local.close();
  expect(allowed.status).toBe(200);
  expect(upstream.received.map((request) => request.headers['x-forwarded-client-cert'])).toEqual([expect.stringContaining(IDS.frontend)]);
});
