// Routing, the whole chain and decide() on hand-built requests, with real certificates and
// real tokens: what a listener decides, in enforce and in report mode, before any socket is
// involved. The decisions here are the ones the integration tests observe over the wire.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { checkContext, reasons, type CheckContext } from '../../helpers/check-context.js';
import { IDS, makePki, type TestPki } from '../../helpers/pki.js';
import { bearer, issuerKey, jwks, mint, tokensConfig, type IssuerKey } from '../../helpers/tokens.js';

let pki: TestPki;
let key: IssuerKey;
let enforcing: CheckContext;
let reporting: CheckContext;

const ROUTES = [
  { name: 'orders', methods: ['GET'], path: '/orders/**', allow: [IDS.frontend], scopes: { allOf: ['orders:read'] } },
  { name: 'payments', methods: ['GET'], path: '/payments/**', mode: 'enforce', allow: [IDS.frontend], scopes: { allOf: ['payments:read'] } },
  { name: 'health', path: '/healthz', allow: ['*'], token: false },
];

beforeAll(async () => {
  pki = await makePki();
  key = await issuerKey('k1');
  const tokens = tokensConfig(pki.write('evaluate-jwks.json', jwks(key)));
  enforcing = checkContext(pki, { routes: ROUTES, listener: { tokens } });
  reporting = checkContext(pki, { mode: 'report', routes: ROUTES, listener: { tokens } });
});
afterAll(() => pki?.cleanup());

const read = async (scope = 'orders:read') => ({ method: 'GET', target: '/orders/1', headers: bearer(await mint(key, { scope })) });

test('a verified caller with the scope it needs → allow, no findings, the normalized path forwarded', async () => {
  const evaluation = await enforcing.evaluate({ ...(await read()), target: '/orders/./1?x=1' });
  expect(evaluation).toEqual({ decision: { kind: 'allow', reason: 'none', findings: [] }, route: 'orders', forwardPath: '/orders/1?x=1' });
});

test('enforce: the first denial decides and the chain stops there (no token is verified for a stranger)', async () => {
  const evaluation = await enforcing.evaluate({ who: pki.intruder, method: 'GET', target: '/orders/1' });
  expect(evaluation.decision.kind).toBe('deny');
  expect(evaluation.decision.reason).toBe('identity_not_allowed');
  expect(reasons(evaluation.decision.findings)).toEqual(['identity_not_allowed']);
});

test('report: the same request → would_deny with the same reason, and every check ran', async () => {
  const evaluation = await reporting.evaluate({ who: pki.intruder, method: 'GET', target: '/orders/1' });
  expect(evaluation.decision.kind).toBe('would_deny');
  expect(evaluation.decision.reason).toBe('identity_not_allowed');
  expect(reasons(evaluation.decision.findings)).toEqual(['identity_not_allowed', 'token_missing']);
});

test('a route set to enforce on a reporting listener still denies', async () => {
  const evaluation = await reporting.evaluate({ method: 'GET', target: '/payments/1', headers: bearer(await mint(key, { scope: 'orders:read' })) });
  expect(evaluation.decision).toMatchObject({ kind: 'deny', reason: 'insufficient_scope' });
});

test('an `always` reason denies even in report mode: a path that cannot be normalized', async () => {
  for (const listener of [enforcing, reporting]) {
    const evaluation = await listener.evaluate({ method: 'GET', target: '/orders/%2e%2e%2fadmin' });
    expect(evaluation.decision).toMatchObject({ kind: 'deny', reason: 'path_not_normalized' });
    expect(evaluation.route).toBeUndefined();
  }
});

test('no route → route_not_found: denied when enforcing, would_deny when reporting', async () => {
  expect((await enforcing.evaluate({ method: 'DELETE', target: '/orders/1' })).decision).toMatchObject({ kind: 'deny', reason: 'route_not_found' });
  expect((await reporting.evaluate({ method: 'DELETE', target: '/orders/1' })).decision).toMatchObject({ kind: 'would_deny', reason: 'route_not_found' });
});

test('a report-only finding (least privilege in report) → would_deny on an enforcing listener, and the chain goes on', async () => {
  const evaluation = await enforcing.evaluate(await read('orders:read payments:read admin:all'));
  expect(evaluation.decision.kind).toBe('would_deny');
  expect(evaluation.decision.reason).toBe('token_overprivileged');
  expect(evaluation.decision.findings).toEqual([expect.objectContaining({ reason: 'token_overprivileged', reportOnly: true, detail: 'granted scopes no route it may call requires: admin:all' })]);
});

test('an enforceable denial wins over a report-only finding', async () => {
  const evaluation = await enforcing.evaluate({ method: 'GET', target: '/payments/1', headers: bearer(await mint(key, { scope: 'orders:read admin:all' })) });
  expect(evaluation.decision).toMatchObject({ kind: 'deny', reason: 'insufficient_scope' });
});

test('a route exempt from tokens is allowed for any verified identity without one', async () => {
  expect((await enforcing.evaluate({ who: pki.intruder, method: 'GET', target: '/healthz' })).decision).toEqual({ kind: 'allow', reason: 'none', findings: [] });
});
