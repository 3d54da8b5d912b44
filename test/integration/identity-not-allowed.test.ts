// A verified peer whose identity is not on the route's allow list gets 403
// identity_not_allowed, and the app never sees the request.
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

withScenario((started) => ({ pki, upstream, sidecar } = started));

test('403 identity_not_allowed, JSON body, counted and logged; the app sees nothing', async () => {
  const agent = mtlsAgent(pki, pki.intruder);
  const response = await call(`${sidecar.url}/api/orders`, agent, { method: 'POST', body: 'x'.repeat(1000) });
  const publicResponse = await call(`${sidecar.url}/public/page`, agent);
  await agent.close();

  expect(response.status).toBe(403);
  expect(response.headers['content-type']).toBe('application/json');
  const body = response.json();
  expect(body).toEqual({ error: 'forbidden', reason: 'identity_not_allowed', request_id: expect.any(String) });
  expect(response.headers['x-request-id']).toBe(body['request_id']);
  // The same peer may still use a route that allows any verified identity.
  expect(publicResponse.status).toBe(200);
  expect(upstream.received.map((request) => request.url)).toEqual(['/public/page']);

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { route: 'api', decision: 'deny', reason: 'identity_not_allowed' })).toBe(1);
  const line = sidecar.logs.requests().find((entry) => entry['route'] === 'api');
  expect(line).toMatchObject({ peer: IDS.intruder, decision: 'deny', reason: 'identity_not_allowed', status: 403, request_id: body['request_id'] });
});

test('unknown route → 403 route_not_found', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const response = await call(`${sidecar.url}/nowhere`, agent);
  const wrongMethod = await call(`${sidecar.url}/api/orders`, agent, { method: 'DELETE' });
  await agent.close();
  expect(response.status).toBe(403);
  expect(response.json()['reason']).toBe('route_not_found');
  expect(wrongMethod.json()['reason']).toBe('route_not_found');
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { route: 'unmatched', decision: 'deny', reason: 'route_not_found' })).toBe(2);
});
