// Egress: sequential calls to one upstream reuse one verified TLS connection (a keep-alive
// pool per upstream): the upstream completes one TLS handshake for several requests.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { appCall, egressUpstream, ORDERS_ID, startEgressSidecar, type RunningEgress } from '../helpers/egress.js';
import { metric } from '../helpers/metrics.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { startTlsUpstream, type TlsUpstream } from '../helpers/tls-upstream.js';

let pki: TestPki;
let upstream: TlsUpstream;
let sidecar: RunningEgress;

beforeAll(async () => {
  pki = await makePki();
  const orders = await pki.issue('orders', { uris: [ORDERS_ID], ipAddresses: ['127.0.0.1'] });
  upstream = await startTlsUpstream(pki, orders);
  sidecar = await startEgressSidecar(pki, [egressUpstream(pki, 'orders', upstream.url)]);
});

afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
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
