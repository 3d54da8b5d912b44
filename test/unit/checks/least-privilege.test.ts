// The least-privilege check on hand-built requests with real tokens: the token's scopes against
// every scope a route this identity may call can ever require. The excess is token_overprivileged,
// report-only by default (would_deny, the request goes on), a denial with leastPrivilege: deny,
// nothing with off.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { leastPrivilegeCheck } from '../../../src/checks/least-privilege.js';
import { tokenCheck } from '../../../src/checks/token.js';
import { checkContext, type CheckContext } from '../../helpers/check-context.js';
import { IDS, makePki, type CertFiles, type TestPki } from '../../helpers/pki.js';
import { bearer, issuerKey, jwks, mint, tokensConfig, type IssuerKey } from '../../helpers/tokens.js';

let pki: TestPki;
let key: IssuerKey;
let jwksPath: string;

// The frontend may read and write orders; the intruder may only read them.
const ROUTES = [
  { name: 'read', methods: ['GET'], path: '/orders/**', allow: [IDS.frontend, IDS.intruder], scopes: { allOf: ['orders:read'] } },
  { name: 'write', methods: ['POST'], path: '/orders/**', allow: [IDS.frontend], scopes: { anyOf: ['orders:write', 'orders:admin'] } },
  { name: 'health', path: '/healthz', allow: ['*'], token: false },
];

beforeAll(async () => {
  pki = await makePki();
  key = await issuerKey('k1');
  jwksPath = pki.write('least-privilege-jwks.json', jwks(key));
});
afterAll(() => pki?.cleanup());

const listenerWith = (leastPrivilege?: 'off' | 'report' | 'deny'): CheckContext =>
  checkContext(pki, { routes: ROUTES, listener: { tokens: tokensConfig(jwksPath, leastPrivilege ? { leastPrivilege } : {}) } });

async function excess(listener: CheckContext, who: CertFiles, scope: string) {
  const request = listener.request({ who, method: 'GET', target: '/orders/1', headers: bearer(await mint(key, { scope })) });
  expect(await listener.run(tokenCheck, request)).toEqual([]);
  return listener.run(leastPrivilegeCheck, request);
}

test('scopes within what the caller’s routes can require pass (anyOf scopes each count)', async () => {
  expect(await excess(listenerWith(), pki.frontend, 'orders:read orders:write orders:admin')).toEqual([]);
  expect(await excess(listenerWith(), pki.intruder, 'orders:read')).toEqual([]);
});

test('by default (report): an excess scope → a report-only token_overprivileged naming it', async () => {
  expect(await excess(listenerWith(), pki.intruder, 'orders:read orders:write')).toEqual([
    { check: 'least-privilege', reason: 'token_overprivileged', severity: 'deny', detail: 'granted scopes no route it may call requires: orders:write', reportOnly: true },
  ]);
});

test('leastPrivilege: deny → the same finding, enforceable (not report-only)', async () => {
  expect(await excess(listenerWith('deny'), pki.intruder, 'orders:read orders:admin')).toEqual([
    { check: 'least-privilege', reason: 'token_overprivileged', severity: 'deny', detail: 'granted scopes no route it may call requires: orders:admin' },
  ]);
});

test('leastPrivilege: off → nothing, however broad the token', async () => {
  expect(await excess(listenerWith('off'), pki.intruder, 'orders:read orders:write orders:admin everything')).toEqual([]);
});

test('a long excess is listed up to ten, then counted', async () => {
  const extra = Array.from({ length: 12 }, (_, index) => `extra:${index}`);
  const [finding] = await excess(listenerWith('deny'), pki.intruder, ['orders:read', ...extra].join(' '));
  expect(finding?.detail).toBe(`granted scopes no route it may call requires: ${extra.slice(0, 10).join(' ')} (+2 more)`);
});
