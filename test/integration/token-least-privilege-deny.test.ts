// Least privilege enforced (tokens.leastPrivilege: deny): a token granting scopes beyond what
// the caller's routes can ever require is refused with 403 token_overprivileged, so a staging
// test fails fast when a service account holds more than its job needs.
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
    return tokenSidecarOptions(tokensConfig(pki.write('jwks.json', jwks(key)), { leastPrivilege: 'deny' }));
  },
});

test('overprivileged token → 403 token_overprivileged; a right-sized one passes', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const fat = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 'orders:read admin:all' })) });
  const lean = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 'orders:read orders:admin' })) });
  // The intruder may only call /api/**, which requires no scope: any scope is too much for it.
  const intruder = mtlsAgent(pki, pki.intruder);
  const intruderCall = await call(`${sidecar.url}/api/x`, intruder, { headers: bearer(await mint(key, { scope: 'orders:read' })) });
  const intruderBare = await call(`${sidecar.url}/api/x`, intruder, { headers: bearer(await mint(key)) });
  await agent.close();
  await intruder.close();
  expect(fat.status).toBe(403);
  expect(fat.json()).toMatchObject({ error: 'forbidden', reason: 'token_overprivileged' });
  expect(lean.status).toBe(200);
  expect(intruderCall.json()['reason']).toBe('token_overprivileged');
  expect(intruderBare.status).toBe(200);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { decision: 'deny', reason: 'token_overprivileged' })).toBe(2);
});
