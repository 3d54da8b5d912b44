// When the upstream app is down (nothing listening on its port), an allowed request gets
// 502 bad_gateway with reason upstream_unavailable, counted in the metric and the audit log.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { unusedPort } from '../helpers/upstream.js';

let pki: TestPki;
let sidecar: RunningSidecar;

beforeAll(async () => {
  pki = await makePki();
  const port = await unusedPort();
  sidecar = await startSidecar(pki, { upstreamUrl: `http://127.0.0.1:${port}` });
});

afterAll(async () => {
  await sidecar?.close();
  pki?.cleanup();
});

test('an allowed request to a down upstream gets 502 upstream_unavailable', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const response = await call(`${sidecar.url}/api/orders`, agent);
  await agent.close();

  expect(response.status).toBe(502);
  expect(response.headers['content-type']).toBe('application/json');
  const body = response.json<{ error: string; reason: string; request_id: string }>();
  expect(body).toEqual({ error: 'bad_gateway', reason: 'upstream_unavailable', request_id: expect.any(String) });
  expect(body.request_id).not.toBe('');
  expect(response.headers['x-request-id']).toBe(body.request_id);

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'app', route: 'api', reason: 'upstream_unavailable' })).toBe(1);
  const audit = sidecar.logs.requests();
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ request_id: body.request_id, peer: IDS.frontend, route: 'api', status: 502, reason: 'upstream_unavailable' });
});
