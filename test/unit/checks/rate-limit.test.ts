// The rate-limit check on hand-built requests: prepared from a listener's routes, one bucket per
// (route, identity), levels carried into the state a reload prepares, nothing prepared for a
// listener without limits, and the config keys validated with their paths.
import { expect, test } from 'vitest';
import { rateLimitCheck } from '../../../src/checks/rate-limit.js';
import { loadConfigObject } from '../../../src/config/load.js';
import type { InboundConfig } from '../../../src/config/schema.js';
import type { LoadedConfig } from '../../../src/config/load.js';
import { RequestFacts } from '../../../src/checks/facts.js';
import type { RoutedRequest } from '../../../src/checks/types.js';
import type { Finding } from '../../../src/core/findings.js';
import type { PeerInfo } from '../../../src/tls/peer-identity.js';

const A = 'spiffe://example.org/ns/app/sa/a';
const B = 'spiffe://example.org/ns/app/sa/b';

function listener(rateLimit: { requestsPerSecond: number; burst: number } | undefined): InboundConfig {
  return { name: 'app', routes: [{ name: 'api', methods: ['*'], path: '/**', allow: ['*'], ...(rateLimit ? { rateLimit } : {}) }] } as unknown as InboundConfig;
}

function prepare(config: InboundConfig, previous?: unknown) {
  return rateLimitCheck.prepare!({ listener: config, loaded: {} as LoadedConfig }, previous as never);
}

function request(identity: string, mode: 'enforce' | 'report' = 'enforce'): RoutedRequest {
  const peer = { identity: { kind: 'spiffe', value: identity } } as unknown as PeerInfo;
  return {
    requestId: 'r',
    listener: 'app',
    method: 'GET',
    target: '/',
    headers: {},
    peer,
    peerPolicy: {} as never,
    facts: new RequestFacts(),
    route: { name: 'api', methods: null, pattern: { source: '/**', segments: [], rest: true } as never, mode, allow: [] },
    forwardPath: '/',
  };
}

const reasons = (findings: readonly Finding[] | Promise<readonly Finding[]>) => (findings as readonly Finding[]).map((finding) => finding.reason);

test('nothing is prepared for a listener without rateLimit: the check is not in its chain', () => {
  expect(prepare(listener(undefined))).toBeUndefined();
});

test('one bucket per identity: after its burst an identity is refused with retryAfterSeconds, another is not', () => {
  const state = prepare(listener({ requestsPerSecond: 0.5, burst: 2 }))!.state;
  expect(reasons(rateLimitCheck.run(request(A), state))).toEqual([]);
  expect(reasons(rateLimitCheck.run(request(A), state))).toEqual([]);
  const refused = rateLimitCheck.run(request(A), state) as readonly Finding[];
  expect(refused).toHaveLength(1);
  expect(refused[0]).toMatchObject({ check: 'rate-limit', reason: 'rate_limited', severity: 'deny', retryAfterSeconds: 2 });
  expect(refused[0]?.detail).toContain(A);
  expect(reasons(rateLimitCheck.run(request(B), state))).toEqual([]);
});

test('a reload keeps the levels and applies a changed burst to them', () => {
  const first = prepare(listener({ requestsPerSecond: 0.001, burst: 3 }))!.state;
  for (let i = 0; i < 3; i += 1) rateLimitCheck.run(request(A), first);
  const reloaded = prepare(listener({ requestsPerSecond: 0.001, burst: 5 }), first)!.state;
  expect(reasons(rateLimitCheck.run(request(A), reloaded))).toEqual(['rate_limited']);
  // A caller first seen after the reload starts with the new burst.
  for (let i = 0; i < 5; i += 1) expect(reasons(rateLimitCheck.run(request(B), reloaded))).toEqual([]);
  expect(reasons(rateLimitCheck.run(request(B), reloaded))).toEqual(['rate_limited']);
});

test('rateLimit is validated: positive numbers, a whole burst of at least 1, no unknown keys, each with its key path', () => {
  const load = (rateLimit: unknown) => {
    const result = loadConfigObject({ inbound: [{ name: 'app', port: 0, tls: { cert: 'c', key: 'k', clientCa: 'ca' }, upstream: { url: 'http://127.0.0.1:1' }, routes: [{ name: 'api', path: '/**', allow: ['*'], rateLimit }] }] }, '/nonexistent');
    return result.ok ? [] : result.errors;
  };
  expect(load({ requestsPerSecond: 0, burst: 1 })).toContain('inbound[0].routes[0].rateLimit.requestsPerSecond: requestsPerSecond must be positive');
  expect(load({ requestsPerSecond: -1, burst: 1 })).toContain('inbound[0].routes[0].rateLimit.requestsPerSecond: requestsPerSecond must be positive');
  expect(load({ requestsPerSecond: 1, burst: 0 })).toContain('inbound[0].routes[0].rateLimit.burst: burst must be at least 1');
  expect(load({ requestsPerSecond: 1, burst: 1.5 })).toContain('inbound[0].routes[0].rateLimit.burst: burst must be a whole number');
  expect(load({ requestsPerSecond: 1 })).toContain('inbound[0].routes[0].rateLimit.burst: is required');
  expect(load({ requestsPerSecond: 1, burst: 1, perMinute: 5 })).toContain('inbound[0].routes[0].rateLimit.perMinute: unknown key');
  expect(load({ requestsPerSecond: '5', burst: 1 })).toContain('inbound[0].routes[0].rateLimit.requestsPerSecond: requestsPerSecond must be a number');
});
