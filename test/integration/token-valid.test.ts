// A valid bearer token from a configured issuer (JWKS file) gets through with 200; the
// verification is counted in palisade_token_verifications_total, and a repeat is served from
// the verified-token cache. Routes with `token: false` need no token.
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { bearer, issuerKey, jwks, mint, tokensConfig, tokenSidecarOptions, type IssuerKey } from '../helpers/tokens.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let key: IssuerKey;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    key = await issuerKey('k1');
    return tokenSidecarOptions(tokensConfig(pki.write('jwks.json', jwks(key))));
  },
});

test('valid token → 200, counted as a successful verification; the repeat is a cache hit', async () => {
  const token = await mint(key, { scope: 'orders:read' });
  const agent = mtlsAgent(pki, pki.frontend);
  const first = await call(`${sidecar.url}/orders/7`, agent, { headers: bearer(token) });
  const second = await call(`${sidecar.url}/orders/7`, agent, { headers: bearer(token) });
  const health = await call(`${sidecar.url}/healthz`, agent);
  await agent.close();

  expect(first.status).toBe(200);
  expect(second.status).toBe(200);
  expect(health.status).toBe(200);
  expect(first.headers['www-authenticate']).toBeUndefined();
  // The app receives the token: the sidecar checks it, it does not strip it.
  expect(upstream.received[0]!.headers.authorization).toBe(`Bearer ${token}`);
  expect(await metric(sidecar.adminUrl, 'palisade_token_verifications_total', { listener: 'app', issuer: 'test', result: 'success', reason: 'none' })).toBe(2);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { route: 'orders-read', decision: 'allow', reason: 'none' })).toBe(2);
});

test('no token → 401 token_missing with a bare Bearer challenge', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const response = await call(`${sidecar.url}/orders/7`, agent);
  const basic = await call(`${sidecar.url}/orders/7`, agent, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
  await agent.close();
  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ error: 'unauthorized', reason: 'token_missing' });
  expect(response.headers['www-authenticate']).toBe('Bearer');
  expect(basic.json()['reason']).toBe('token_missing');
  expect(await metric(sidecar.adminUrl, 'palisade_token_verifications_total', { issuer: 'unknown', result: 'failure', reason: 'token_missing' })).toBe(2);
});
