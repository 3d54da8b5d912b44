// Egress tokens when the token endpoint goes away: the token is refreshed in the background
// before it expires; with the broker down the cached token keeps being used until it expires,
// then requests get 503 token_unavailable without the upstream being called; when the broker
// comes back (same address), traffic recovers without a restart of the sidecar.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { appCall, egressUpstream, ORDERS_ID, startEgressSidecar, type RunningEgress } from '../helpers/egress.js';
import { metric } from '../helpers/metrics.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { bearerOf, startTokenUpstream, type TokenUpstream } from '../helpers/token-upstream.js';
import { until } from '../helpers/wait.js';

const GRANTS = [{ name: 'server-orders', identity: IDS.server, audiences: [ORDERS_ID], scopes: ['orders:read'], defaultScopes: ['orders:read'], lifetime: '3s' }];

let pki: TestPki;
let broker: RunningBroker;
let upstream: TokenUpstream;
let sidecar: RunningEgress;
let port: number;

beforeAll(async () => {
  pki = await makePki();
  broker = await startBroker(pki, { grants: GRANTS });
  port = Number(new URL(broker.url).port);
  const orders = await pki.issue('orders', { uris: [ORDERS_ID], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  upstream = await startTokenUpstream(pki, orders);
  sidecar = await startEgressSidecar(pki, [egressUpstream(pki, 'orders', upstream.url, { token: { tokenUrl: `${broker.url}/token`, audience: ORDERS_ID, timeoutMs: 1000 } })]);
}, 120_000);

afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  await broker?.close();
  pki?.cleanup();
});

const fetches = (result: string) => metric(sidecar.adminUrl, 'palisade_egress_token_fetches_total', { upstream: 'orders', result });

test('background refresh, then cached token while the broker is down, then token_unavailable, then recovery', async () => {
  expect((await appCall(sidecar.egressUrl, '/one', 'orders')).status).toBe(200);
  const first = bearerOf(upstream.seen[0]!);
  // No traffic needed: a new token arrives before the first expires (20% of 3 s before).
  await until('a background refresh', async () => (await fetches('success')) >= 2, 5_000);
  expect((await appCall(sidecar.egressUrl, '/two', 'orders')).status).toBe(200);
  expect(bearerOf(upstream.seen[1]!)).not.toBe(first);

  await broker.close();
  // The cached token carries on while it is valid...
  expect((await appCall(sidecar.egressUrl, '/three', 'orders')).status).toBe(200);
  // ...then the sidecar has no valid token: 503 without calling the upstream.
  await until('token_unavailable', async () => (await appCall(sidecar.egressUrl, '/probe', 'orders')).status === 503, 8_000, 200);
  const seenBefore = upstream.seen.length;
  const refused = await appCall(sidecar.egressUrl, '/four', 'orders');
  expect(refused.status).toBe(503);
  expect(refused.json()).toMatchObject({ error: 'service_unavailable', reason: 'token_unavailable' });
  expect(upstream.seen.length).toBe(seenBefore);
  expect(await fetches('failure')).toBeGreaterThan(0);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'out', route: 'orders', decision: 'deny', reason: 'token_unavailable' })).toBeGreaterThanOrEqual(1);
  const line = sidecar.logs.lines().find((entry) => entry['type'] === 'egress_token');
  expect(line).toMatchObject({ upstream: 'orders', result: 'failure' });

  broker = await startBroker(pki, { grants: GRANTS, config: { listen: { address: '127.0.0.1', port } } });
  await until('traffic recovers', async () => (await appCall(sidecar.egressUrl, '/five', 'orders')).status === 200, 8_000, 200);
}, 120_000);
