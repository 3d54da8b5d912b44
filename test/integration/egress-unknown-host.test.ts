// Egress: a call for an authority no upstream is configured for gets 403 JSON
// upstream_not_configured (the sidecar originates calls only to pinned upstreams), counted
// under route "unmatched" and written to the audit log.
import { expect, test } from 'vitest';
import { appCall, ORDERS_ID, type RunningEgress } from '../helpers/egress.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withEgressScenario } from '../helpers/scenario.js';
import type { TlsUpstream } from '../helpers/tls-upstream.js';

let pki: TestPki;
let upstream: TlsUpstream;
let sidecar: RunningEgress;

withEgressScenario((started) => ({ pki, upstream, sidecar } = started), {
  serve: (pki) => pki.issue('orders', { uris: [ORDERS_ID], ipAddresses: ['127.0.0.1'] }),
});

test('an unknown Host gets 403 upstream_not_configured and nothing is sent anywhere', async () => {
  const response = await appCall(sidecar.egressUrl, '/charge', 'payments.example.org');

  expect(response.status).toBe(403);
  expect(response.headers['content-type']).toBe('application/json');
  const body = response.json<{ error: string; reason: string; request_id: string }>();
  expect(body).toEqual({ error: 'forbidden', reason: 'upstream_not_configured', request_id: expect.any(String) });
  expect(response.headers['x-request-id']).toBe(body.request_id);
  expect(upstream.received).toHaveLength(0);
  expect(upstream.secureConnections()).toBe(0);

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'out', route: 'unmatched', decision: 'deny', reason: 'upstream_not_configured' })).toBe(1);
  expect(sidecar.logs.requests()[0]).toMatchObject({ request_id: body.request_id, listener: 'out', route: 'unmatched', status: 403, reason: 'upstream_not_configured' });
});
