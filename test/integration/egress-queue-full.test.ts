// Egress: the app's calls to one upstream are bounded like inbound ones. With its one pool
// connection busy and no queue (upstream maxPending 0), the app's next call gets 503
// upstream_overloaded with Retry-After at once instead of waiting without limit; the held call
// still completes.
import { createServer, type Server } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { appCall, egressUpstream, ORDERS_ID, startEgressSidecar, type RunningEgress } from '../helpers/egress.js';
import { metric } from '../helpers/metrics.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let upstream: Server;
let sidecar: RunningEgress;
const held: ServerResponse[] = [];

beforeAll(async () => {
  pki = await makePki();
  const orders = await pki.issue('orders', { uris: [ORDERS_ID], ipAddresses: ['127.0.0.1'] });
  // A real mTLS upstream that holds every request until the test releases it.
  upstream = createServer({ cert: orders.certPem, key: orders.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true }, (_req, res) => held.push(res));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  sidecar = await startEgressSidecar(pki, [egressUpstream(pki, 'orders', url, { connections: 1, maxPending: 0 })]);
});

afterAll(async () => {
  for (const res of held) res.destroy();
  await sidecar?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
  pki?.cleanup();
});

test('a busy upstream with no queue room answers the app 503 upstream_overloaded at once', async () => {
  const first = appCall(sidecar.egressUrl, '/orders/1', 'orders');
  const deadline = Date.now() + 10_000;
  while (held.length === 0 && Date.now() < deadline) await sleep(10);
  expect(held).toHaveLength(1);

  const refused = await appCall(sidecar.egressUrl, '/orders/2', 'orders');
  expect(refused.status).toBe(503);
  expect(refused.headers['retry-after']).toBe('1');
  expect(refused.json()).toMatchObject({ error: 'service_unavailable', reason: 'upstream_overloaded' });
  expect(held).toHaveLength(1);

  (held[0] as ServerResponse).end('done');
  expect((await first).status).toBe(200);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'out', route: 'orders', decision: 'deny', reason: 'upstream_overloaded' })).toBe(1);
});
