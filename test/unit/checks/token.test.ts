// The token check on hand-built requests, with real tokens signed by jose and a real JWKS file:
// each reason it can return (no token, a malformed or forged one, an unknown issuer, another
// audience, expired, too long-lived, revoked, the broker's list never loaded), the facts it
// establishes for the checks after it, and routes it leaves alone.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tokenCheck } from '../../../src/checks/token.js';
import { checkContext, reasons, type CheckContext } from '../../helpers/check-context.js';
import { IDS, makePki, type TestPki } from '../../helpers/pki.js';
import { bearer, issuerKey, jwks, mint, TOKEN_ROUTES, tokensConfig, type IssuerKey } from '../../helpers/tokens.js';

let pki: TestPki;
let key: IssuerKey;
let stranger: IssuerKey;
let listener: CheckContext;

const orders = { method: 'GET', target: '/orders/1' };
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  pki = await makePki();
  [key, stranger] = await Promise.all([issuerKey('k1'), issuerKey('k1')]);
  const denylist = pki.write('token-check-revoked.txt', '# revoked\nrevoked-jti\n');
  listener = checkContext(pki, { routes: TOKEN_ROUTES, listener: { tokens: tokensConfig(pki.write('token-check-jwks.json', jwks(key)), { denylist, maxLifetimeMs: 3_600_000 }) } });
});
afterAll(() => pki?.cleanup());

test('a valid token passes and becomes the `token` fact (issuer, scopes, subject); the verification is recorded', async () => {
  const request = listener.request({ ...orders, headers: bearer(await mint(key, { scope: 'orders:read orders:write', jti: 'j-1' })) });
  expect(await listener.run(tokenCheck, request)).toEqual([]);
  const token = request.facts.get('token');
  expect(token?.issuer).toBe('test');
  expect([...(token?.scopes ?? [])]).toEqual(['orders:read', 'orders:write']);
  expect(token?.subject).toBe(IDS.frontend);
  expect(request.facts.get('tokenVerification')).toEqual({ issuer: 'test', result: 'success', reason: 'none', cached: false });
});

test('no Authorization header → token_missing with a bare challenge (RFC 6750 §3.1)', async () => {
  const request = listener.request(orders);
  expect(await listener.run(tokenCheck, request)).toEqual([{ check: 'token', reason: 'token_missing', severity: 'deny', detail: 'no bearer token', bearer: {} }]);
  expect(request.facts.get('tokenVerification')).toEqual({ issuer: 'unknown', result: 'failure', reason: 'token_missing', cached: false });
  expect(request.facts.get('token')).toBeUndefined();
});

test('another scheme than Bearer → token_missing; a malformed Bearer value → token_invalid', async () => {
  expect(reasons(await listener.run(tokenCheck, { ...orders, headers: { authorization: 'Basic dXNlcjpwYXNz' } }))).toEqual(['token_missing']);
  const malformed = await listener.run(tokenCheck, { ...orders, headers: { authorization: 'Bearer not a token' } });
  expect(malformed).toEqual([{ check: 'token', reason: 'token_invalid', severity: 'deny', detail: 'malformed bearer token', bearer: { error: 'invalid_token' } }]);
});

test('two token header values → token_invalid', async () => {
  const token = await mint(key, { scope: 'orders:read' });
  const request = listener.request(orders);
  const twice = { ...request, headers: { ...request.headers, authorization: [`Bearer ${token}`, `Bearer ${token}`] as unknown as string } };
  expect(reasons(await listener.run(tokenCheck, twice))).toEqual(['token_invalid']);
});

test('a token signed by a key the issuer never published (same kid) → token_invalid', async () => {
  const findings = await listener.run(tokenCheck, { ...orders, headers: bearer(await mint(stranger, { scope: 'orders:read' })) });
  expect(findings).toEqual([{ check: 'token', reason: 'token_invalid', severity: 'deny', detail: 'signature does not verify', bearer: { error: 'invalid_token' } }]);
});

test('a header that tries to supply its own key (jwk) → token_invalid', async () => {
  const forged = await mint(key, { scope: 'orders:read' }, { jwk: key.publicJwk });
  const findings = await listener.run(tokenCheck, { ...orders, headers: bearer(forged) });
  expect(reasons(findings)).toEqual(['token_invalid']);
  expect(findings[0]?.detail).toContain('"jwk" is refused');
});

test('an issuer that is not configured → unknown_issuer', async () => {
  expect(reasons(await listener.run(tokenCheck, { ...orders, headers: bearer(await mint(key, { iss: 'https://elsewhere.example' })) }))).toEqual(['unknown_issuer']);
});

test('a token for another audience → wrong_audience', async () => {
  expect(reasons(await listener.run(tokenCheck, { ...orders, headers: bearer(await mint(key, { aud: 'spiffe://test.palisade.local/ns/other/sa/billing' })) }))).toEqual(['wrong_audience']);
});

test('an expired token (past the clock tolerance) → token_expired', async () => {
  expect(reasons(await listener.run(tokenCheck, { ...orders, headers: bearer(await mint(key, { iat: now() - 600, exp: now() - 120 })) }))).toEqual(['token_expired']);
});

test('a token living longer than tokens.maxLifetimeMs → token_lifetime_too_long', async () => {
  const findings = await listener.run(tokenCheck, { ...orders, headers: bearer(await mint(key, { iat: now(), exp: now() + 7_200 })) });
  expect(reasons(findings)).toEqual(['token_lifetime_too_long']);
});

test('a jti on the denylist file → token_revoked; the verification is recorded as a failure', async () => {
  const request = listener.request({ ...orders, headers: bearer(await mint(key, { scope: 'orders:read', jti: 'revoked-jti' })) });
  expect(await listener.run(tokenCheck, request)).toEqual([{ check: 'token', reason: 'token_revoked', severity: 'deny', detail: 'jti is on the denylist', bearer: { error: 'invalid_token' } }]);
  expect(request.facts.get('tokenVerification')).toMatchObject({ issuer: 'test', result: 'failure', reason: 'token_revoked' });
  expect(request.facts.get('token')).toBeUndefined();
});

test('a remote denylist that never loaded → token_revocations_unavailable, with no challenge (fail closed)', async () => {
  const remote = checkContext(pki, {
    routes: TOKEN_ROUTES,
    listener: { tokens: tokensConfig(pki.write('token-check-jwks-remote.json', jwks(key)), { denylist: { remote: { url: 'https://127.0.0.1:9/revoked', ca: pki.caPath } } }) },
  });
  const findings = await remote.run(tokenCheck, { ...orders, headers: bearer(await mint(key, { scope: 'orders:read', jti: 'j-2' })) });
  expect(reasons(findings)).toEqual(['token_revocations_unavailable']);
  expect(findings[0]?.bearer).toBeUndefined();
});

test('a route with `token: false`, and a listener without tokens, are answered synchronously with nothing', async () => {
  const health = listener.request({ method: 'GET', target: '/healthz' });
  expect(listener.answer(tokenCheck, health)).toEqual([]);
  expect(await listener.run(tokenCheck, health)).toEqual([]);
  const plain = checkContext(pki, { routes: [{ name: 'api', path: '/api/**', allow: [IDS.frontend] }] });
  expect(await plain.run(tokenCheck, { target: '/api/x' })).toEqual([]);
});
