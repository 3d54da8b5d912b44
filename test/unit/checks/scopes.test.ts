// The scopes check on hand-built requests with real tokens: a route's `allOf` needs every
// scope, `anyOf` at least one; a miss is insufficient_scope with the RFC 6750 challenge naming
// what the route requires, and a pass records the scopes the route used (for the inventory).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { scopesCheck } from '../../../src/checks/scopes.js';
import { tokenCheck } from '../../../src/checks/token.js';
import { checkContext, type CheckContext, type RequestSpec } from '../../helpers/check-context.js';
import { IDS, makePki, type TestPki } from '../../helpers/pki.js';
import { bearer, issuerKey, jwks, mint, tokensConfig, type IssuerKey } from '../../helpers/tokens.js';

let pki: TestPki;
let key: IssuerKey;
let listener: CheckContext;

const ROUTES = [
  { name: 'read', methods: ['GET'], path: '/orders/**', allow: [IDS.frontend], scopes: { allOf: ['orders:read', 'orders:list'] } },
  { name: 'write', methods: ['POST'], path: '/orders/**', allow: [IDS.frontend], scopes: { anyOf: ['orders:write', 'orders:admin'] } },
  { name: 'open', path: '/api/**', allow: [IDS.frontend] },
];

beforeAll(async () => {
  pki = await makePki();
  key = await issuerKey('k1');
  listener = checkContext(pki, { routes: ROUTES, listener: { tokens: tokensConfig(pki.write('scopes-jwks.json', jwks(key))) } });
});
afterAll(() => pki?.cleanup());

/** The token check, then the scopes check, on one request. */
async function scopes(spec: RequestSpec, scope: string) {
  const request = listener.request({ ...spec, headers: bearer(await mint(key, { scope })) });
  expect(await listener.run(tokenCheck, request)).toEqual([]);
  return { findings: await listener.run(scopesCheck, request), used: request.facts.get('scopesUsed') };
}

test('allOf: every scope present passes and records the route’s scopes as used', async () => {
  expect(await scopes({ method: 'GET', target: '/orders/1' }, 'orders:list orders:read extra')).toEqual({ findings: [], used: ['orders:read', 'orders:list'] });
});

test('allOf: one missing → insufficient_scope naming what is missing, challenge with all required', async () => {
  const { findings, used } = await scopes({ method: 'GET', target: '/orders/1' }, 'orders:read');
  expect(findings).toEqual([
    { check: 'scopes', reason: 'insufficient_scope', severity: 'deny', detail: 'missing orders:list (all of: orders:read orders:list)', bearer: { error: 'insufficient_scope', scope: 'orders:read orders:list' } },
  ]);
  expect(used).toBeUndefined();
});

test('anyOf: one present passes and records only the ones present', async () => {
  expect(await scopes({ method: 'POST', target: '/orders/1' }, 'orders:admin orders:read')).toEqual({ findings: [], used: ['orders:admin'] });
});

test('anyOf: none present → insufficient_scope with the choices in the challenge', async () => {
  const { findings } = await scopes({ method: 'POST', target: '/orders/1' }, 'orders:read');
  expect(findings).toEqual([{ check: 'scopes', reason: 'insufficient_scope', severity: 'deny', detail: 'none of orders:write orders:admin', bearer: { error: 'insufficient_scope', scope: 'orders:write orders:admin' } }]);
});

test('a route without scopes asks nothing; without a verified token there is nothing to compare', async () => {
  expect(await scopes({ method: 'GET', target: '/api/x' }, '')).toEqual({ findings: [], used: undefined });
  expect(await listener.run(scopesCheck, { method: 'GET', target: '/orders/1' })).toEqual([]);
});
