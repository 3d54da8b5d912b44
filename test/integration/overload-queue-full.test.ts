// Past upstream.connections requests wait in a bounded queue: a queued request that gets no app
// connection within upstream.queueTimeoutMs, and one that finds the queue full, get 503
// upstream_overloaded with Retry-After, while the app still holds the first request (not after
// minutes). The held request then completes normally. palisade_upstream_requests_active shows
// the busy connection.
import type { ServerResponse } from 'node:http';
import { afterAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { sleep, until } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
const held: ServerResponse[] = [];

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  // Holds every request until the test releases it.
  app: (_req, res) => held.push(res),
  sidecar: ({ upstream }) => ({
    listener: { upstream: { url: upstream.url, connections: 1, maxPending: 1, queueTimeoutMs: 500, maxRequestsPerIdentity: 10 } },
  }),
});

afterAll(async () => {
  for (const res of held) res.destroy();
});

test('a full pending queue answers 503 upstream_overloaded with Retry-After within the queue timeout', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  let firstDone = false;
  const first = call(`${sidecar.url}/api/held`, agent).then((response) => {
    firstDone = true;
    return response;
  });
  await until('the app to hold the first request', () => held.length === 1, 10_000, 10);

  // The only app connection is busy: this one waits in the queue (its single slot)...
  const queued = call(`${sidecar.url}/api/queued`, agent);
  // ...so this one finds the queue full and is refused at once.
  await sleep(100);
  const full = await call(`${sidecar.url}/api/full`, agent);
  expect(full.status).toBe(503);
  expect(full.headers['retry-after']).toBe('1');
  expect(full.json()).toEqual({ error: 'service_unavailable', reason: 'upstream_overloaded', request_id: expect.any(String) });

  const timedOut = await queued;
  expect(timedOut.status).toBe(503);
  expect(timedOut.headers['retry-after']).toBe('1');
  expect(timedOut.json()).toMatchObject({ reason: 'upstream_overloaded' });
  // Both refusals came while the app still held the first request.
  expect(firstDone).toBe(false);
  expect(held).toHaveLength(1);

  // Saturation is visible: the one app connection busy, nothing left waiting.
  expect(await metric(sidecar.adminUrl, 'palisade_upstream_requests_active', { listener: 'app' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_upstream_requests_pending', { listener: 'app' })).toBe(0);

  (held[0] as ServerResponse).end('done');
  expect((await first).status).toBe(200);
  await agent.close();

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { route: 'api', decision: 'deny', reason: 'upstream_overloaded' })).toBe(2);
  const refusals = sidecar.logs.requests().filter((line) => line['reason'] === 'upstream_overloaded');
  expect(refusals).toHaveLength(2);
  expect(refusals.map((line) => line['status'])).toEqual([503, 503]);
});
