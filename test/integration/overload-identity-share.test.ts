// One peer identity may hold at most upstream.maxRequestsPerIdentity requests in flight or
// queued: past it that identity gets 429 identity_overloaded with Retry-After, while another
// identity is still served from the remaining app connections.
import type { ServerResponse } from 'node:http';
import { afterAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
const held: ServerResponse[] = [];

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  // Holds /api/hold until released; answers everything else at once.
  app: (req, res) => {
    if (req.url?.startsWith('/api/hold')) held.push(res);
    else res.end('ok');
  },
  sidecar: ({ upstream }) => ({
    routes: [{ name: 'api', path: '/api/**', allow: [IDS.frontend, IDS.intruder] }],
    listener: { upstream: { url: upstream.url, connections: 4, maxRequestsPerIdentity: 2 } },
  }),
});

afterAll(async () => {
  for (const res of held) res.destroy();
});

test('an identity past its share gets 429 identity_overloaded; another identity is still served', async () => {
  const greedy = mtlsAgent(pki, pki.frontend);
  const other = mtlsAgent(pki, pki.intruder);
  const first = [call(`${sidecar.url}/api/hold/1`, greedy), call(`${sidecar.url}/api/hold/2`, greedy)];
  const deadline = Date.now() + 10_000;
  while (held.length < 2 && Date.now() < deadline) await sleep(10);
  expect(held).toHaveLength(2);

  const third = await call(`${sidecar.url}/api/more`, greedy);
  expect(third.status).toBe(429);
  expect(third.headers['retry-after']).toBe('1');
  expect(third.json()).toEqual({ error: 'too_many_requests', reason: 'identity_overloaded', request_id: expect.any(String) });

  const served = await call(`${sidecar.url}/api/other`, other);
  expect(served.status).toBe(200);

  for (const res of held) res.end('done');
  for (const response of await Promise.all(first)) expect(response.status).toBe(200);
  // Its share is free again.
  expect((await call(`${sidecar.url}/api/after`, greedy)).status).toBe(200);
  await greedy.close();
  await other.close();

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { decision: 'deny', reason: 'identity_overloaded' })).toBe(1);
  expect(sidecar.logs.requests().find((line) => line['reason'] === 'identity_overloaded')).toMatchObject({ peer: IDS.frontend, status: 429 });
});
