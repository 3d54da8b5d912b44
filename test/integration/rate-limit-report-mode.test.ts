// A rate limit on a route in report mode: over the limit the request still reaches the app, and
// is recorded as would_deny rate_limited (metric and audit line).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  sidecar = await startSidecar(pki, { upstreamUrl: upstream.url, routes: [{ name: 'api', path: '/api/**', mode: 'report', allow: [IDS.frontend], rateLimit: { requestsPerSecond: 0.001, burst: 1 } }] });
});

afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('over the limit in report mode: forwarded, would_deny rate_limited', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  expect((await call(`${sidecar.url}/api/a`, agent)).status).toBe(200);
  const over = await call(`${sidecar.url}/api/b`, agent);
  await agent.close();
  expect(over.status).toBe(200);
  expect(over.headers['retry-after']).toBeUndefined();
  expect(upstream.received.map((request) => request.url)).toEqual(['/api/a', '/api/b']);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'app', route: 'api', decision: 'would_deny', reason: 'rate_limited' })).toBe(1);
  const line = sidecar.logs.requests().find((entry) => entry['reason'] === 'rate_limited');
  expect(line).toMatchObject({ peer: IDS.frontend, decision: 'would_deny', status: 200 });
});
