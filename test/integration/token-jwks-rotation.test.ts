// Key rotation at a remote JWKS endpoint (a real HTTPS server on 127.0.0.1 with its own CA):
// a new kid is accepted without a restart, a removed key is refused once the key cache
// expires, and while the endpoint is down the cached keys keep working.
import { afterAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { AUDIENCE, bearer, ISSUER, issuerKey, jwks, mint, startJwksServer, tokenSidecarOptions, type IssuerKey, type JwksServer } from '../helpers/tokens.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let server: JwksServer;
let k1: IssuerKey;
let k2: IssuerKey;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    [k1, k2] = await Promise.all([issuerKey('k1'), issuerKey('k2')]);
    server = await startJwksServer(jwks(k1));
    const remote = { url: server.url, ca: pki.write('jwks-ca.pem', server.caPem), timeoutMs: 2_000, cacheMs: 400, cooldownMs: 100 };
    return tokenSidecarOptions({
      issuers: [{ name: 'remote', issuer: ISSUER, audiences: [AUDIENCE], algorithms: ['ES256'], remote }],
      // The verified-token cache must not outlive a withdrawn key either.
      cache: { maxEntries: 1000 },
    });
  },
});
afterAll(async () => {
  await server?.close();
});

async function outcome(token: string): Promise<string> {
  const agent = mtlsAgent(pki, pki.frontend);
  try {
    const response = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(token) });
    return response.status === 200 ? 'ok' : `${response.status} ${String(response.json()['reason'])}`;
  } finally {
    await agent.close();
  }
}

test('new kid accepted without restart; removed key refused after the cache expires; JWKS down → cached keys work', async () => {
  const byK1 = await mint(k1, { scope: 'orders:read' });
  const byK2 = await mint(k2, { scope: 'orders:read' });
  expect(await outcome(byK1)).toBe('ok');

  // Rotation, step 1: the issuer publishes k2 beside k1. An unknown kid triggers a refetch.
  server.setBody(jwks(k1, k2));
  await until('k2 accepted', async () => (await outcome(byK2)) === 'ok');

  // Step 2: k1 is withdrawn. Once the cache (400 ms) expires, k1 tokens are refused, cached or not.
  server.setBody(jwks(k2));
  await until('k1 refused', async () => (await outcome(byK1)) === '401 token_invalid');
  expect(await outcome(byK2)).toBe('ok');

  // The endpoint goes down: refetches fail, the keys already held keep working.
  server.setDown(true);
  const before = server.requests();
  await until('a failed refetch', async () => {
    expect(await outcome(byK2)).toBe('ok');
    return server.requests() > before + 1;
  });
  expect(await outcome(byK2)).toBe('ok');
  expect(await outcome(byK1)).toBe('401 token_invalid');
  expect(await metric(sidecar.adminUrl, 'palisade_token_verifications_total', { issuer: 'remote', result: 'failure', reason: 'token_invalid' })).toBeGreaterThanOrEqual(2);
});
