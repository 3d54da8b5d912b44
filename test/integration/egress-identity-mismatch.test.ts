// Egress: an upstream whose certificate chains to the trust bundle but carries another SPIFFE
// ID is refused during the TLS connect: the app gets 502 upstream_identity_mismatch and the
// impostor never receives an HTTP request.
import { expect, test } from 'vitest';
import { appCall, type RunningEgress } from '../helpers/egress.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withEgressScenario } from '../helpers/scenario.js';
import type { TlsUpstream } from '../helpers/tls-upstream.js';

let pki: TestPki;
let impostor: TlsUpstream;
let sidecar: RunningEgress;

withEgressScenario((started) => ({ pki, upstream: impostor, sidecar } = started), {
  serve: (pki) => pki.issue('payments', { uris: ['spiffe://test.palisade.local/ns/shop/sa/payments'], ipAddresses: ['127.0.0.1'] }),
});

test('a valid chain with the wrong SPIFFE ID gets 502 upstream_identity_mismatch and no request', async () => {
  const response = await appCall(sidecar.egressUrl, '/orders/7', 'orders', { authorization: 'Bearer secret-token' });

  expect(response.status).toBe(502);
  expect(response.json()).toEqual({ error: 'bad_gateway', reason: 'upstream_identity_mismatch', request_id: expect.any(String) });
  expect(impostor.received).toHaveLength(0);

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'out', route: 'orders', decision: 'deny', reason: 'upstream_identity_mismatch' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_upstream_tls_handshakes_total', { listener: 'out', upstream: 'orders', result: 'failure', reason: 'upstream_identity_mismatch' })).toBe(1);
  const audit = sidecar.logs.requests();
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ route: 'orders', upstream: 'orders', decision: 'deny', reason: 'upstream_identity_mismatch', status: 502 });
  expect(JSON.stringify(audit[0])).toContain('spiffe://test.palisade.local/ns/shop/sa/payments');
});
