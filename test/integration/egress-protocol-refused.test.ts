// Egress: protocol policy applies to the upstream. An upstream that speaks at most TLS 1.2,
// called with minVersion TLSv1.3, fails the handshake: 502 upstream_tls_failed, no request.
import { expect, test } from 'vitest';
import { appCall, egressUpstream, ORDERS_ID, type RunningEgress } from '../helpers/egress.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withEgressScenario } from '../helpers/scenario.js';
import type { TlsUpstream } from '../helpers/tls-upstream.js';

let pki: TestPki;
let old: TlsUpstream;
let sidecar: RunningEgress;

withEgressScenario((started) => ({ pki, upstream: old, sidecar } = started), {
  serve: (pki) => pki.issue('orders', { uris: [ORDERS_ID], ipAddresses: ['127.0.0.1'] }),
  upstream: { maxVersion: 'TLSv1.2' },
  upstreams: ({ pki, upstream: old }) => [egressUpstream(pki, 'orders', old.url, { tls: { minVersion: 'TLSv1.3' } })],
});

test('an upstream offering only a disallowed protocol version gets 502 upstream_tls_failed', async () => {
  const response = await appCall(sidecar.egressUrl, '/orders/7', 'orders');

  expect(response.status).toBe(502);
  expect(response.json()).toMatchObject({ error: 'bad_gateway', reason: 'upstream_tls_failed' });
  expect(old.received).toHaveLength(0);
  expect(await metric(sidecar.adminUrl, 'palisade_upstream_tls_handshakes_total', { listener: 'out', upstream: 'orders', result: 'failure', reason: 'upstream_tls_failed' })).toBe(1);
  expect(sidecar.logs.requests()[0]).toMatchObject({ decision: 'deny', reason: 'upstream_tls_failed', status: 502 });
});
