// Report mode forwards what enforce would deny and records would_deny with the reason; a
// per-route mode overrides the listener's.
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: {
    listener: { mode: 'report' },
    routes: [
      { name: 'api', path: '/api/**', allow: [IDS.frontend] },
      { name: 'payments', path: '/payments/**', mode: 'enforce', allow: [IDS.frontend] },
    ],
  },
});

test('a denied identity is forwarded and counted as would_deny', async () => {
  const agent = mtlsAgent(pki, pki.intruder);
  const response = await call(`${sidecar.url}/api/orders`, agent);
  const unrouted = await call(`${sidecar.url}/elsewhere`, agent);
  await agent.close();
  expect(response.status).toBe(200);
  expect(unrouted.status).toBe(200);
  expect(upstream.received.map((request) => request.url)).toEqual(['/api/orders', '/elsewhere']);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { route: 'api', decision: 'would_deny', reason: 'identity_not_allowed' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { route: 'unmatched', decision: 'would_deny', reason: 'route_not_found' })).toBe(1);
  expect(sidecar.logs.requests()[0]).toMatchObject({ decision: 'would_deny', reason: 'identity_not_allowed', status: 200 });
});

test('a route in enforce mode denies even on a report-mode listener', async () => {
  const agent = mtlsAgent(pki, pki.intruder);
  const response = await call(`${sidecar.url}/payments/1`, agent);
  await agent.close();
  expect(response.status).toBe(403);
  expect(upstream.received.some((request) => request.url.startsWith('/payments'))).toBe(false);
});

test('report mode still refuses a path it cannot forward faithfully', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const response = await call(`${sidecar.url}/api%2f..%2fpayments`, agent);
  await agent.close();
  expect(response.status).toBe(400);
  expect(response.json()['reason']).toBe('path_not_normalized');
});
