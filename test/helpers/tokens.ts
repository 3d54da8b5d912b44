// Token fixtures: issuer keys and tokens minted with jose, JWKS files, a real HTTPS JWKS server
// on 127.0.0.1 with its own CA, and a sidecar whose listener has a `tokens` section.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { createCa, createLeaf } from '../../src/certs/factory.js';
import type { TestPki } from './pki.js';
import { IDS } from './pki.js';
import { startSidecar, type RunningSidecar, type SidecarOptions } from './sidecar.js';

export const ISSUER = 'https://issuer.test.palisade.local';
export const AUDIENCE = IDS.server;

export interface IssuerKey {
  readonly kid: string;
  readonly alg: 'ES256' | 'RS256';
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export async function issuerKey(kid: string, alg: 'ES256' | 'RS256' = 'ES256'): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { kid, alg, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

export function jwks(...keys: IssuerKey[]): string {
  return JSON.stringify({ keys: keys.map((key) => key.publicJwk) });
}

const now = () => Math.floor(Date.now() / 1000);

/** A token with sane defaults (iss, aud, iat, exp in 5 minutes, sub = frontend); `claims` override or add. */
export async function mint(key: IssuerKey, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  const payload: JWTPayload = { iss: ISSUER, aud: AUDIENCE, sub: IDS.frontend, iat: now(), exp: now() + 300, ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A `tokens` section for one file-based issuer; `overrides` merge on top. */
export function tokensConfig(jwksPath: string, overrides: Record<string, unknown> = {}, issuer: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuers: [{ name: 'test', issuer: ISSUER, audiences: [AUDIENCE], algorithms: ['ES256', 'RS256'], jwks: jwksPath, ...issuer }],
    ...overrides,
  };
}

export const TOKEN_ROUTES = [
  { name: 'orders-read', methods: ['GET'], path: '/orders/**', allow: [IDS.frontend], scopes: { allOf: ['orders:read'] } },
  { name: 'orders-write', methods: ['POST'], path: '/orders/**', allow: [IDS.frontend], scopes: { anyOf: ['orders:write', 'orders:admin'] } },
  { name: 'api', path: '/api/**', allow: [IDS.frontend, IDS.intruder] },
  { name: 'health', path: '/healthz', allow: ['*'], token: false },
];

export interface TokenSidecarExtra {
  routes?: unknown[];
  top?: Record<string, unknown>;
}

/** Sidecar options for a listener with this `tokens` section and the token routes (or `extra.routes`). */
export function tokenSidecarOptions(tokens: Record<string, unknown>, extra: TokenSidecarExtra = {}): Omit<SidecarOptions, 'upstreamUrl'> {
  return { routes: extra.routes ?? TOKEN_ROUTES, listener: { tokens }, ...(extra.top ? { top: extra.top } : {}) };
}

export async function startTokenSidecar(pki: TestPki, upstreamUrl: string, tokens: Record<string, unknown>, extra: TokenSidecarExtra = {}): Promise<RunningSidecar> {
  return startSidecar(pki, { upstreamUrl, ...tokenSidecarOptions(tokens, extra) });
}

export interface JwksServer {
  readonly url: string;
  /** PEM of the JWKS server's own CA. */
  readonly caPem: string;
  /** GET requests received. */
  requests(): number;
  setBody(body: string): void;
  /** `down`: answer 503 to everything. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/** A real HTTPS JWKS endpoint on 127.0.0.1:0 with a CA of its own (not the mTLS test CA). */
export async function startJwksServer(initial: string): Promise<JwksServer> {
  const ca = await createCa({ commonName: 'JWKS Test CA' });
  const leaf = await createLeaf({ issuer: ca, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], extendedKeyUsages: ['serverAuth'] });
  let body = initial;
  let down = false;
  let count = 0;
  const server: Server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    count += 1;
    if (down) {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}/jwks`,
    caPem: ca.certPem,
    requests: () => count,
    setBody: (next) => (body = next),
    setDown: (value) => (down = value),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
