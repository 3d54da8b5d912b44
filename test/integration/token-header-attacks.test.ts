// Token headers never choose the algorithm or the key: `alg: none`, HS256 signed with the
// issuer's RSA public key (HS/RS confusion), and jku / x5u / embedded jwk headers are refused
// with 401 token_invalid, and no outbound connection is ever made to a URL from a token (a
// canary listener sees none).
import { createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { base64url, SignJWT } from 'jose';
import { afterAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { AUDIENCE, bearer, ISSUER, issuerKey, jwks, mint, tokensConfig, tokenSidecarOptions, type IssuerKey } from '../helpers/tokens.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let rsa: IssuerKey;
let attacker: IssuerKey;
let canary: Server;
let canaryConnections = 0;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    rsa = await issuerKey('rsa1', 'RS256');
    attacker = await issuerKey('rsa1', 'RS256');
    canary = createServer((socket) => {
      canaryConnections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    return tokenSidecarOptions(tokensConfig(pki.write('jwks.json', jwks(rsa)), {}, { algorithms: ['RS256'] }));
  },
});
afterAll(async () => {
  await new Promise((resolve) => canary?.close(resolve));
});

const claims = () => ({ iss: ISSUER, aud: AUDIENCE, sub: 'x', scope: 'orders:read', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300 });

test('alg none, HS256 with the RSA public key, jku, x5u and embedded jwk → 401 token_invalid; no fetch', async () => {
  const canaryUrl = `https://127.0.0.1:${(canary.address() as AddressInfo).port}/jwks.json`;
  const encode = (value: object) => base64url.encode(JSON.stringify(value));
  const none = `${encode({ alg: 'none', kid: 'rsa1' })}.${encode(claims())}.`;
  // The classic confusion: the public key (as PEM text) used as an HMAC secret.
  const publicPem = createPublicKey({ key: rsa.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
  const hs256 = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'rsa1' }).sign(new TextEncoder().encode(publicPem));
  // Signed by the attacker's key, pointing at where to find it.
  const jku = await mint(attacker, { scope: 'orders:read' }, { jku: canaryUrl });
  const x5u = await mint(attacker, { scope: 'orders:read' }, { x5u: canaryUrl });
  const embedded = await mint(attacker, { scope: 'orders:read' }, { jwk: { kty: attacker.publicJwk.kty, n: attacker.publicJwk.n, e: attacker.publicJwk.e } });
  // Even a correctly signed token is refused when it carries jku: the header alone is the attack.
  const honestJku = await mint(rsa, { scope: 'orders:read' }, { jku: canaryUrl });

  const agent = mtlsAgent(pki, pki.frontend);
  for (const [name, token] of Object.entries({ none, hs256, jku, x5u, embedded, honestJku })) {
    const response = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(token) });
    expect(response.status, name).toBe(401);
    expect(response.json()['reason'], name).toBe('token_invalid');
  }
  // The attacker's key under the issuer's kid, without any header trick: its signature fails.
  const forged = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(attacker, { scope: 'orders:read' })) });
  const genuine = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(rsa, { scope: 'orders:read' })) });
  await agent.close();
  expect(forged.json()['reason']).toBe('token_invalid');
  expect(genuine.status).toBe(200);
  expect(upstream.received).toHaveLength(1);
  expect(canaryConnections).toBe(0);
});
