// tokens.denylist.remote: a broker's revocation list fetched over https with its own trust
// bundle. Before a first list has loaded, tokens are refused with 503
// token_revocations_unavailable (fail closed); a listed jti is refused with token_revoked; an
// outage keeps the last good list; an entry whose exp has passed no longer matters.
import { afterAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { bearer, issuerKey, jwks, mint, startJwksServer, tokensConfig, tokenSidecarOptions, type IssuerKey, type JwksServer } from '../helpers/tokens.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let key: IssuerKey;
let list: JwksServer;
let app: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream: app, sidecar } = started), {
  sidecar: async ({ pki }) => {
    key = await issuerKey('k1');
    list = await startJwksServer(JSON.stringify({ revoked: [] }));
    list.setDown(true);
    const ca = pki.write('list-ca.pem', list.caPem);
    return tokenSidecarOptions(tokensConfig(pki.write('jwks.json', jwks(key)), { denylist: { remote: { url: list.url, ca, refreshMs: 200, timeoutMs: 1000 } } }));
  },
  hookTimeoutMs: 120_000,
});

afterAll(async () => {
  await list?.close();
});

const getOrders = async (jti: string) => call(`${sidecar.url}/api/x`, mtlsAgent(pki, pki.frontend), { headers: bearer(await mint(key, { jti })) });

test('fail closed until loaded, revoked when listed, last good list kept through an outage', async () => {
  const before = await getOrders('fine');
  expect(before.status).toBe(503);
  expect(before.json()).toMatchObject({ reason: 'token_revocations_unavailable' });
  expect(app.received).toHaveLength(0);

  const future = Math.floor(Date.now() / 1000) + 300;
  list.setBody(JSON.stringify({ revoked: [{ jti: 'revoked-1', exp: future }, { jti: 'old', exp: Math.floor(Date.now() / 1000) - 5 }] }));
  list.setDown(false);
  await until('the list loads', async () => (await getOrders('fine')).status === 200);
  const revoked = await getOrders('revoked-1');
  expect(revoked.status).toBe(401);
  expect(revoked.json()).toMatchObject({ reason: 'token_revoked' });
  expect((await getOrders('old')).status).toBe(200);

  list.setDown(true);
  const fetchesAtOutage = list.requests();
  await until('a refresh fails', async () => list.requests() > fetchesAtOutage + 1);
  expect((await getOrders('revoked-1')).status).toBe(401);
  expect((await getOrders('fine')).status).toBe(200);
});
