// A flood of tokens with made-up kids cannot make the sidecar hammer the issuer: an unknown
// kid triggers at most one JWKS refetch per cooldown, and every such token is refused.
import { afterAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
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
let key: IssuerKey;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    key = await issuerKey('k1');
    server = await startJwksServer(jwks(key));
    const remote = { url: server.url, ca: pki.write('jwks-ca.pem', server.caPem), cooldownMs: 60_000, cacheMs: 600_000 };
    return tokenSidecarOptions({ issuers: [{ name: 'remote', issuer: ISSUER, audiences: [AUDIENCE], algorithms: ['ES256'], remote }] });
  },
});
afterAll(async () => {
  await server?.close();
});

test('200 tokens with random kids → all 401, at most one refetch in the cooldown', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  // The initial fetch happens at start; wait for it to land so the count starts from a known point.
  await until('the initial JWKS fetch', async () => (await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 'orders:read' })) })).status === 200);
  const before = server.requests();
  const attacker = await issuerKey('unused');
  const statuses = await Promise.all(
    Array.from({ length: 200 }, async (_, index) => {
      const token = await mint({ ...attacker, kid: `made-up-${index}` }, { scope: 'orders:read' });
      const response = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(token) });
      return `${response.status} ${String(response.json()['reason'])}`;
    }),
  );
  await agent.close();
  expect(new Set(statuses)).toEqual(new Set(['401 token_invalid']));
  expect(server.requests() - before).toBeLessThanOrEqual(1);
});
