// A token whose jti is on the denylist file is refused with 401 token_revoked, even when the
// same token was verified (and cached) before it was revoked; other jtis pass.
import { writeFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import { sidecarConfig, type RunningSidecar } from '../helpers/sidecar.js';
import { bearer, issuerKey, jwks, mint, TOKEN_ROUTES, tokensConfig, tokenSidecarOptions, type IssuerKey } from '../helpers/tokens.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let key: IssuerKey;
let tokens: Record<string, unknown>;
let denylist: string;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    key = await issuerKey('k1');
    denylist = pki.write('revoked-jti.txt', '# revoked tokens\nrevoked-1\n');
    tokens = tokensConfig(pki.write('jwks.json', jwks(key)), { denylist });
    return tokenSidecarOptions(tokens);
  },
});

test('revoked jti → 401 token_revoked; revoking a cached token takes effect on reload', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const revoked = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 'orders:read', jti: 'revoked-1' })) });
  const later = await mint(key, { scope: 'orders:read', jti: 'fine-2' });
  const fine = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(later) });
  expect(revoked.status).toBe(401);
  expect(revoked.json()['reason']).toBe('token_revoked');
  expect(revoked.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  expect(fine.status).toBe(200);

  // Revoke the token that just passed (and sits in the verified-token cache) and reload.
  writeFileSync(denylist, 'revoked-1\nfine-2\n');
  const loaded = loadConfigObject(sidecarConfig(pki, { upstreamUrl: upstream.url, routes: TOKEN_ROUTES, listener: { tokens } }), pki.dir);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  sidecar.sidecar.reload(loaded.value);
  const afterRevocation = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(later) });
  await agent.close();
  expect(afterRevocation.json()['reason']).toBe('token_revoked');
  expect(upstream.received).toHaveLength(1);
  expect(await metric(sidecar.adminUrl, 'palisade_token_verifications_total', { issuer: 'test', result: 'failure', reason: 'token_revoked' })).toBe(2);
});
