// An upstream that accepts the request but never answers is cut off at the listener's
// upstream.headersTimeoutMs: the client gets 504 gateway_timeout with reason upstream_timeout.
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
  // Never answers: no writeHead, no end.
  upstream = await startUpstream(() => undefined);
  sidecar = await startSidecar(pki, { upstreamUrl: upstream.url, listener: { upstream: { url: upstream.url, headersTimeoutMs: 300 } } });
});

afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('an upstream that never answers gets 504 upstream_timeout', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const response = await call(`${sidecar.url}/api/slow`, agent);
  await agent.close();

  expect(response.status).toBe(504);
  const body = response.json<{ error: string; reason: string; request_id: string }>();
  expect(body).toEqual({ error: 'gateway_timeout', reason: 'upstream_timeout', request_id: expect.any(String) });
  // The request did reach the app: this is a timeout, not a refused connection.
  expect(upstream.received).toHaveLength(1);

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'app', route: 'api', reason: 'upstream_timeout' })).toBe(1);
  const audit = sidecar.logs.requests();
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ request_id: body.request_id, peer: IDS.frontend, status: 504, reason: 'upstream_timeout' });
});
