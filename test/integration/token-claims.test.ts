// Tokens whose claims fail are refused with 401, the reason code of the first failed rule and a
// Bearer error="invalid_token" challenge: expired, not yet valid, wrong audience, unknown
// issuer, lifetime too long (tokens.maxLifetimeMs), and a missing typ at+jwt when required.
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
const now = () => Math.floor(Date.now() / 1000);

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  // Clock tolerance 5 s, tokens live at most 10 minutes.
  sidecar: async ({ pki }) => {
    key = await issuerKey('k1');
    return tokenSidecarOptions(tokensConfig(pki.write('jwks.json', jwks(key)), { clockToleranceMs: 5_000, maxLifetimeMs: 600_000 }));
  },
});

test('each failed claim → 401 with its reason code; the app sees none of them', async () => {
  const cases: Array<[string, Promise<string>]> = [
    ['token_expired', mint(key, { scope: 'orders:read', iat: now() - 400, exp: now() - 60 })],
    ['token_invalid', mint(key, { scope: 'orders:read', nbf: now() + 120 })],
    ['wrong_audience', mint(key, { scope: 'orders:read', aud: 'spiffe://test.palisade.local/ns/app/sa/someone-else' })],
    ['unknown_issuer', mint(key, { scope: 'orders:read', iss: 'https://evil.example' })],
    ['token_lifetime_too_long', mint(key, { scope: 'orders:read', exp: now() + 3600 })],
    // maxLifetimeMs needs iat to measure the lifetime.
    ['token_invalid', mint(key, { scope: 'orders:read', iat: undefined })],
    ['token_invalid', Promise.resolve('not.a.jwt')],
  ];
  const agent = mtlsAgent(pki, pki.frontend);
  for (const [reason, pending] of cases) {
    const response = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await pending) });
    expect(response.status, reason).toBe(401);
    expect(response.json(), reason).toMatchObject({ error: 'unauthorized', reason });
    expect(response.headers['www-authenticate'], reason).toBe('Bearer error="invalid_token"');
  }
  await agent.close();
  expect(upstream.received).toHaveLength(0);
  expect(await metric(sidecar.adminUrl, 'palisade_token_verifications_total', { issuer: 'test', result: 'failure', reason: 'token_expired' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_token_verifications_total', { issuer: 'unknown', result: 'failure', reason: 'unknown_issuer' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { decision: 'deny', reason: 'wrong_audience' })).toBe(1);
});

test('a token within the clock tolerance still passes', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const response = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 'orders:read', nbf: now() + 2 })) });
  await agent.close();
  expect(response.status).toBe(200);
});
