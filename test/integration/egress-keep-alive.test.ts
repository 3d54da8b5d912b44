// Egress: sequential calls to one upstream reuse one verified TLS connection (a keep-alive
// pool per upstream): the upstream completes one TLS handshake for several requests.
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

test('four sequential requests share one TLS connection to the upstream', async () => {
  for (let i = 0; i < 4; i += 1) {
    const response = await appCall(sidecar.egressUrl, `/orders/${i}`, 'orders');
    expect(response.status).toBe(200);
  }
  expect(upstream.received).toHaveLength(4);
  expect(upstream.secureConnections()).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_upstream_tls_handshakes_total', { listener: 'out', upstream: 'orders' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'out', route: 'orders', decision: 'allow' })).toBe(4);
});
