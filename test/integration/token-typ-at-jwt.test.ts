// With tokens.requireAtJwt, only RFC 9068 access tokens (header typ: at+jwt) are accepted: an
// ID token or any other JWT from the same issuer and key is refused as token_invalid.
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
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
    return tokenSidecarOptions(tokensConfig(pki.write('jwks.json', jwks(key)), { requireAtJwt: true }));
  },
});

test('typ at+jwt → 200; typ JWT or none → 401 token_invalid', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const accessToken = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 'orders:read' }, { typ: 'at+jwt' })) });
  const plainJwt = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 'orders:read' }, { typ: 'JWT' })) });
  const noTyp = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 'orders:read' })) });
  await agent.close();
  expect(accessToken.status).toBe(200);
  for (const response of [plainJwt, noTyp]) {
    expect(response.status).toBe(401);
    expect(response.json()['reason']).toBe('token_invalid');
  }
  expect(upstream.received).toHaveLength(1);
});
