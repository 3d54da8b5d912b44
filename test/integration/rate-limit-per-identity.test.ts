// Per-identity rate limiting over real mTLS: an identity that spends its burst gets 429
// rate_limited with Retry-After (in the body, the metric and the audit line), another identity
// on the same route is unaffected, and a reload keeps the levels (no fresh burst for anyone),
// applying a changed burst to them.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Agent } from 'undici';
import { loadConfigObject } from '../../src/config/load.js';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { sidecarConfig, startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

// One token per 1000 s: nothing refills while the test runs, however slow the machine.
const routes = (burst: number) => [{ name: 'api', path: '/api/**', allow: [IDS.frontend, IDS.intruder], rateLimit: { requestsPerSecond: 0.001, burst } }];

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let frontend: Agent;
let other: Agent;

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  sidecar = await startSidecar(pki, { upstreamUrl: upstream.url, routes: routes(3) });
  frontend = mtlsAgent(pki, pki.frontend);
  other = mtlsAgent(pki, pki.intruder);
});

afterAll(async () => {
  await frontend?.close();
  await other?.close();
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('burst, then 429 rate_limited with Retry-After; another identity is unaffected', async () => {
  for (let i = 0; i < 3; i += 1) expect((await call(`${sidecar.url}/api/orders`, frontend)).status).toBe(200);
  const limited = await call(`${sidecar.url}/api/orders`, frontend);
  expect(limited.status).toBe(429);
  expect(limited.json()).toMatchObject({ error: 'too_many_requests', reason: 'rate_limited' });
  const retryAfter = limited.headers['retry-after'];
  expect(retryAfter).toMatch(/^[1-9][0-9]*$/);
  // The next token is about 1000 s away.
  expect(Number(retryAfter)).toBeGreaterThan(900);
  expect(Number(retryAfter)).toBeLessThanOrEqual(1000);
  expect(upstream.received).toHaveLength(3);

  expect((await call(`${sidecar.url}/api/orders`, other)).status).toBe(200);
  expect(upstream.received).toHaveLength(4);

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'app', route: 'api', decision: 'deny', reason: 'rate_limited' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'app', route: 'api', decision: 'allow', reason: 'none' })).toBe(4);
  const denied = sidecar.logs.requests().filter((line) => line['reason'] === 'rate_limited');
  expect(denied).toHaveLength(1);
  expect(denied[0]).toMatchObject({ peer: IDS.frontend, route: 'api', decision: 'deny', status: 429 });
});

test('a reload keeps the levels: no fresh burst, and a larger burst does not refill an empty bucket', async () => {
  const next = loadConfigObject(sidecarConfig(pki, { upstreamUrl: upstream.url, routes: routes(10) }), pki.dir);
  if (!next.ok) throw new Error(next.errors.join('\n'));
  sidecar.sidecar.reload(next.value);

  expect((await call(`${sidecar.url}/api/orders`, frontend)).status).toBe(429);
  // The other identity had 2 of 3 left; under the new burst it still has those 2, not 10.
  expect((await call(`${sidecar.url}/api/orders`, other)).status).toBe(200);
  expect((await call(`${sidecar.url}/api/orders`, other)).status).toBe(200);
  expect((await call(`${sidecar.url}/api/orders`, other)).status).toBe(429);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'app', route: 'api', decision: 'deny', reason: 'rate_limited' })).toBe(3);
});
