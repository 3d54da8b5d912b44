// With tokens.requireAtJwt, only RFC 9068 access tokens (header typ: at+jwt) are accepted: an
// ID token or any other JWT from the same issuer and key is refused as token_invalid.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { bearer, issuerKey, jwks, mint, startTokenSidecar, tokensConfig, type IssuerKey } from '../helpers/tokens.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let key: IssuerKey;

beforeAll(async () => {
  pki = await makePki();
  key = await issuerKey('k1');
  upstream = await startUpstream();
  sidecar = await startTokenSidecar(pki, upstream.url, tokensConfig(pki.write('jwks.json', jwks(key)), { requireAtJwt: true }));
});
afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
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
