// Egress: the app's plain-HTTP call, addressed by the upstream's name in Host, reaches the
// configured upstream over mTLS; the upstream saw the sidecar's own client certificate (the
// service identity), the request id, and no x-forwarded-client-cert the app tried to forge.
import { expect, test } from 'vitest';
import { appCall, ORDERS_ID, type RunningEgress } from '../helpers/egress.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withEgressScenario } from '../helpers/scenario.js';
import type { TlsUpstream } from '../helpers/tls-upstream.js';

let pki: TestPki;
let upstream: TlsUpstream;
let sidecar: RunningEgress;

withEgressScenario((started) => ({ pki, upstream, sidecar } = started), {
  serve: (pki) => pki.issue('orders', { uris: [ORDERS_ID], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }),
});

test('the configured upstream gets the call over mTLS with the service identity', async () => {
  const response = await appCall(sidecar.egressUrl, '/orders/7?expand=1', 'orders', {
    'x-request-id': 'app-req-1',
    'x-forwarded-client-cert': 'By=spiffe://forged;URI=spiffe://test.palisade.local/ns/ops/sa/admin',
  });

  expect(response.status).toBe(200);
  expect(response.json()).toEqual({ ok: true, url: '/orders/7?expand=1' });
  expect(upstream.received).toHaveLength(1);
  const seen = upstream.received[0]!;
  expect(seen.clientUris).toEqual([IDS.server]);
  expect(seen.headers['x-request-id']).toBe('app-req-1');
  expect(seen.headers['x-forwarded-client-cert']).toBeUndefined();
  expect(seen.headers.host).toBe(`127.0.0.1:${upstream.port}`);

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'out', route: 'orders', decision: 'allow', reason: 'none' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_upstream_tls_handshakes_total', { listener: 'out', upstream: 'orders', result: 'success', version: 'TLSv1.3' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_egress_upstream_duration_seconds_count', { listener: 'out', upstream: 'orders' })).toBe(1);
  // The client certificate the egress listener presents, and the CA it trusts, are watched for expiry too.
  const clientExpiry = await metric(sidecar.adminUrl, 'palisade_certificate_expiry_timestamp_seconds', { listener: 'out', role: 'client' });
  expect(clientExpiry).toBe(Math.floor(new Date(pki.server.issued.cert.notAfter).getTime() / 1000));
  expect(await metric(sidecar.adminUrl, 'palisade_certificate_expiry_timestamp_seconds', { listener: 'out', role: 'ca' })).toBeGreaterThan(Date.now() / 1000);
  const audit = sidecar.logs.requests();
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ request_id: 'app-req-1', listener: 'out', route: 'orders', upstream: 'orders', decision: 'allow', status: 200, path: '/orders/7' });
});
