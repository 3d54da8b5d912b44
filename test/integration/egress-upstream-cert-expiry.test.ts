// Egress: a pooled keep-alive connection does not outlive the upstream's certificate. OpenSSL
// checks the dates at the handshake only; the sidecar closes the connection when the upstream's
// notAfter passes, so the next call makes a new connection, and that handshake refuses the
// expired certificate: 502 upstream_cert_invalid, nothing sent over the old connection.
import { expect, test } from 'vitest';
import { appCall, ORDERS_ID, type RunningEgress } from '../helpers/egress.js';
import { withEgressScenario } from '../helpers/scenario.js';
import type { TlsUpstream } from '../helpers/tls-upstream.js';
import { sleep } from '../helpers/wait.js';

let upstream: TlsUpstream;
let sidecar: RunningEgress;
// X.509 times have whole seconds: 5 s from the scenario's start, rounded down.
const notAfter = new Date(Math.floor(Date.now() / 1000) * 1000 + 5_000);

withEgressScenario((started) => ({ upstream, sidecar } = started), {
  serve: (pki) => pki.issue('orders-short-lived', { uris: [ORDERS_ID], ipAddresses: ['127.0.0.1'], notAfter }),
});

test('calls before notAfter share one connection; the first call after it is refused at a new handshake', async () => {
  // Steady traffic up to just before notAfter keeps the pooled connection in use...
  let calls = 0;
  do {
    calls += 1;
    expect((await appCall(sidecar.egressUrl, `/orders/${calls}`, 'orders')).status).toBe(200);
    await sleep(250);
  } while (Date.now() < notAfter.getTime() - 400);
  expect(upstream.secureConnections()).toBe(1);

  // ...then about 1.5 s idle, well under the pool's keep-alive timeout (4 s): without the
  // expiry, this same connection would carry the next call.
  await sleep(notAfter.getTime() - Date.now() + 1_100);

  const after = await appCall(sidecar.egressUrl, '/orders/after', 'orders');
  expect(after.status).toBe(502);
  expect(after.json<{ reason: string }>().reason).toBe('upstream_cert_invalid');
  expect(upstream.received).toHaveLength(calls);
  expect(upstream.secureConnections()).toBe(1);
});
