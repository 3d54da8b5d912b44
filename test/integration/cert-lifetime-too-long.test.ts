// With tls.peer.maxLifetime "24h", a client certificate valid for 30 days is refused: 403
// cert_lifetime_too_long; a 1-hour certificate passes.
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: ({ pki }) => ({
    listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath, peer: { maxLifetime: '24h' } } },
  }),
});

test('30-day certificate → 403 cert_lifetime_too_long; 1-hour certificate passes', async () => {
  const now = Date.now();
  const long = await pki.issue('long', { uris: [IDS.frontend], notBefore: new Date(now - 60_000), notAfter: new Date(now + 30 * 86_400_000) });
  const short = await pki.issue('short', { uris: [IDS.frontend], notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000) });
  const longAgent = mtlsAgent(pki, long);
  const refused = await call(`${sidecar.url}/public/x`, longAgent);
  await longAgent.close();
  expect(refused.status).toBe(403);
  expect(refused.json()['reason']).toBe('cert_lifetime_too_long');
  const shortAgent = mtlsAgent(pki, short);
  const allowed = await call(`${sidecar.url}/public/x`, shortAgent);
  await shortAgent.close();
  expect(allowed.status).toBe(200);
  expect(upstream.received).toHaveLength(1);
});
