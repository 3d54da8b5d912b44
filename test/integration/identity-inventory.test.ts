// /identities on the admin listener lists every identity seen: token subjects, issuers and key
// ids, first and last seen, requests by decision, scopes granted vs used (and granted but never
// used), and the last denial reasons.
import { request } from 'undici';
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { IDS, type TestPki } from '../helpers/pki.js';
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

test('after a run, the inventory shows granted vs used scopes and denials per identity', async () => {
  const token = await mint(key, { sub: 'frontend-client', scope: 'orders:read orders:write orders:admin' });
  const agent = mtlsAgent(pki, pki.frontend);
  expect((await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(token) })).status).toBe(200);
  expect((await call(`${sidecar.url}/orders/2`, agent, { headers: bearer(token) })).status).toBe(200);
  expect((await call(`${sidecar.url}/orders/2`, agent, { method: 'POST', body: '{}', headers: bearer(await mint(key, { sub: 'frontend-client', scope: 'orders:read' })) })).status).toBe(403);
  await agent.close();
  const intruder = mtlsAgent(pki, pki.intruder);
  expect((await call(`${sidecar.url}/orders/1`, intruder, { headers: bearer(token) })).status).toBe(403);
  await intruder.close();

  const response = await request(`${sidecar.adminUrl}/identities`);
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('application/json');
  const body = (await response.body.json()) as { identities: Array<Record<string, unknown>>; max_identities: number };
  expect(body.max_identities).toBeGreaterThan(0);
  const frontend = body.identities.find((entry) => entry['identity'] === IDS.frontend);
  expect(frontend).toMatchObject({
    listeners: ['app'],
    requests: { allow: 2, deny: 1, would_deny: 0 },
    token_subjects: ['frontend-client'],
    token_issuers: ['test'],
    key_ids: ['k1'],
    scopes_granted: ['orders:admin', 'orders:read', 'orders:write'],
    scopes_used: ['orders:read'],
    scopes_granted_never_used: ['orders:admin', 'orders:write'],
    last_denials: [{ reason: 'insufficient_scope', route: 'orders-write', at: expect.any(String) }],
  });
  expect(Date.parse(frontend!['first_seen'] as string)).toBeLessThanOrEqual(Date.parse(frontend!['last_seen'] as string));
  const stranger = body.identities.find((entry) => entry['identity'] === IDS.intruder);
  expect(stranger).toMatchObject({ requests: { allow: 0, deny: 1, would_deny: 0 }, last_denials: [{ reason: 'identity_not_allowed' }] });
});
