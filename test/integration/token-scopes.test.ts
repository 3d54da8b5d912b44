// Per-route scopes: a token without a required scope gets 403 insufficient_scope with
// `WWW-Authenticate: Bearer error="insufficient_scope", scope="…"` (RFC 6750); all-of and
// any-of both work, read from `scope` (space-delimited) or `scp` (an array).
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

test('missing scope → 403 insufficient_scope with the RFC 6750 challenge', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const read = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 'orders:write' })) });
  const write = await call(`${sidecar.url}/orders/1`, agent, { method: 'POST', body: '{}', headers: bearer(await mint(key, { scope: 'orders:read' })) });
  await agent.close();
  expect(read.status).toBe(403);
  expect(read.json()).toMatchObject({ error: 'forbidden', reason: 'insufficient_scope' });
  expect(read.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="orders:read"');
  expect(write.status).toBe(403);
  expect(write.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="orders:write orders:admin"');
  expect(upstream.received).toHaveLength(0);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { decision: 'deny', reason: 'insufficient_scope' })).toBe(2);
});

test('space-delimited scope and scp array both grant; any-of takes any one', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const spaced = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 'profile orders:read' })) });
  const scp = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scp: ['orders:read'] })) });
  const anyOf = await call(`${sidecar.url}/orders/1`, agent, { method: 'POST', body: '{}', headers: bearer(await mint(key, { scp: ['orders:admin'] })) });
  const wrongType = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 7 })) });
  await agent.close();
  expect(spaced.status).toBe(200);
  expect(scp.status).toBe(200);
  expect(anyOf.status).toBe(200);
  expect(wrongType.status).toBe(401);
  expect(wrongType.json()['reason']).toBe('token_invalid');
});
