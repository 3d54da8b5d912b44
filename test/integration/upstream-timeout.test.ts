// An upstream that accepts the request but never answers is cut off at the listener's
// upstream.headersTimeoutMs: the client gets 504 gateway_timeout with reason upstream_timeout.
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
  // Never answers: no writeHead, no end.
  app: () => undefined,
  sidecar: ({ upstream }) => ({ listener: { upstream: { url: upstream.url, headersTimeoutMs: 300 } } }),
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
