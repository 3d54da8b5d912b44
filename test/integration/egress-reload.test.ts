// Egress reload is check-then-swap: a reload that changes an upstream's pinned identity takes
// effect for the next call (new pool, new verification), and a reload that would move the
// egress listener is refused whole, keeping the running config.
import { expect, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { ReloadError } from '../../src/sidecar.js';
import { appCall, egressConfig, egressUpstream, ORDERS_ID, type RunningEgress } from '../helpers/egress.js';
import type { TestPki } from '../helpers/pki.js';
import { withEgressScenario } from '../helpers/scenario.js';
import type { TlsUpstream } from '../helpers/tls-upstream.js';

let pki: TestPki;
let upstream: TlsUpstream;
let sidecar: RunningEgress;
const STALE_ID = 'spiffe://test.palisade.local/ns/shop/sa/orders-v1';

function loaded(identity: Record<string, unknown>, port = 0) {
  const config = egressConfig(pki, [egressUpstream(pki, 'orders', upstream.url, { identity })]) as { egress: Array<{ port: number }> };
  config.egress[0]!.port = port;
  const result = loadConfigObject(config, pki.dir);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.value;
}

withEgressScenario((started) => ({ pki, upstream, sidecar } = started), {
  serve: (pki) => pki.issue('orders', { uris: [ORDERS_ID], ipAddresses: ['127.0.0.1'] }),
  upstreams: ({ pki, upstream }) => [egressUpstream(pki, 'orders', upstream.url, { identity: { spiffeId: STALE_ID } })],
});

test('a reload swaps the pinned identity; a reload that moves the listener is refused', async () => {
  expect((await appCall(sidecar.egressUrl, '/a', 'orders')).status).toBe(502);

  sidecar.sidecar.reload(loaded({ spiffeId: ORDERS_ID }));
  expect((await appCall(sidecar.egressUrl, '/b', 'orders')).status).toBe(200);
  expect(upstream.received.map((request) => request.url)).toEqual(['/b']);

  expect(() => sidecar.sidecar.reload(loaded({ spiffeId: STALE_ID }, 15999))).toThrow(ReloadError);
  expect((await appCall(sidecar.egressUrl, '/c', 'orders')).status).toBe(200);
});
