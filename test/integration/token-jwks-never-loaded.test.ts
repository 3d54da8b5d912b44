// Fail closed: when an issuer's remote JWKS has never loaded (the endpoint answers 503), its
// tokens get 503 token_keys_unavailable: never 500, never allowed.
import { afterAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { AUDIENCE, bearer, ISSUER, issuerKey, jwks, mint, startJwksServer, tokenSidecarOptions, type IssuerKey, type JwksServer } from '../helpers/tokens.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let server: JwksServer;
let key: IssuerKey;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    key = await issuerKey('k1');
    server = await startJwksServer(jwks(key));
    server.setDown(true);
    const remote = { url: server.url, ca: pki.write('jwks-ca.pem', server.caPem), cooldownMs: 60_000 };
    return tokenSidecarOptions({ issuers: [{ name: 'remote', issuer: ISSUER, audiences: [AUDIENCE], algorithms: ['ES256'], remote }] });
  },
});
afterAll(async () => {
  await server?.close();
});

test('JWKS never loaded → 503 token_keys_unavailable; the app sees nothing', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const response = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 'orders:read' })) });
  await agent.close();
  expect(response.status).toBe(503);
  expect(response.json()).toMatchObject({ error: 'service_unavailable', reason: 'token_keys_unavailable' });
  expect(upstream.received).toHaveLength(0);
  expect(await metric(sidecar.adminUrl, 'palisade_token_verifications_total', { issuer: 'remote', result: 'failure', reason: 'token_keys_unavailable' })).toBe(1);
});
