// Egress tokens, forced refresh: the upstream answers 401 `Bearer error="invalid_token"` for a
// token it no longer accepts. Concurrent requests holding that token share one new fetch
// (single flight) and are retried once with the new token: GETs, and a POST whose small body
// was buffered (sent again byte for byte). A streamed (chunked) POST cannot be replayed: the
// app gets the 401, and its next request carries the new token.
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { appCall, egressUpstream, ORDERS_ID, startEgressSidecar, type RunningEgress } from '../helpers/egress.js';
import { metric } from '../helpers/metrics.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { bearerOf, invalidToken, startTokenUpstream, type TokenUpstream } from '../helpers/token-upstream.js';

let pki: TestPki;
let broker: RunningBroker;
let upstream: TokenUpstream;
let sidecar: RunningEgress;
const refused = new Set<string>();
/** 401s are held until this many are waiting (so every one of a burst carries the refused token), then answered together. */
let barrier = 1;
let held: Array<() => void> = [];

beforeAll(async () => {
  pki = await makePki();
  broker = await startBroker(pki, { grants: [{ name: 'server-orders', identity: IDS.server, audiences: [ORDERS_ID], scopes: ['orders:read'], defaultScopes: ['orders:read'] }] });
  const orders = await pki.issue('orders', { uris: [ORDERS_ID], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  upstream = await startTokenUpstream(pki, orders);
  upstream.answer = (seen, _req, res) => {
    if (!refused.has(bearerOf(seen) ?? '')) return undefined;
    held.push(() => invalidToken(res));
    if (held.length >= barrier) {
      const release = held;
      held = [];
      for (const answer of release) answer();
    }
    return 'handled';
  };
  sidecar = await startEgressSidecar(pki, [egressUpstream(pki, 'orders', upstream.url, { token: { tokenUrl: `${broker.url}/token`, audience: ORDERS_ID } })]);
}, 120_000);

afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  await broker?.close();
  pki?.cleanup();
});

const grants = () => broker.logs.lines().filter((line) => line['type'] === 'broker_grant').length;

test('concurrent requests with a refused token share one refresh and are retried once', async () => {
  expect((await appCall(sidecar.egressUrl, '/warm', 'orders')).status).toBe(200);
  const first = bearerOf(upstream.seen[0]!) as string;
  expect(grants()).toBe(1);
  refused.add(first);
  barrier = 10;

  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => appCall(sidecar.egressUrl, `/orders/${i}`, 'orders')));
  expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
  // One new token for all ten: each request was refused once with the old one and sent again.
  expect(grants()).toBe(2);
  const afterWarm = upstream.seen.slice(1);
  expect(afterWarm.filter((seen) => bearerOf(seen) === first)).toHaveLength(10);
  const second = afterWarm.map(bearerOf).find((token) => token !== first) as string;
  expect(afterWarm.filter((seen) => bearerOf(seen) === second)).toHaveLength(10);
  expect(await metric(sidecar.adminUrl, 'palisade_egress_token_fetches_total', { upstream: 'orders', result: 'success' })).toBe(2);
  barrier = 1;
});

test('a buffered POST body is sent again byte for byte; a streamed one gets the 401 and the next request the new token', async () => {
  const current = bearerOf(upstream.seen[upstream.seen.length - 1]!) as string;
  refused.add(current);
  const small = await request(`${sidecar.egressUrl}/orders`, { method: 'POST', headers: { host: 'orders', 'content-type': 'application/json' }, body: '{"item":"tea","qty":2}' });
  expect(small.statusCode).toBe(200);
  expect(await small.body.json()).toEqual({ ok: true, body: '{"item":"tea","qty":2}' });
  const posts = upstream.seen.filter((seen) => seen.method === 'POST');
  expect(posts.map((seen) => seen.body)).toEqual(['{"item":"tea","qty":2}', '{"item":"tea","qty":2}']);
  expect(bearerOf(posts[0]!)).toBe(current);
  expect(bearerOf(posts[1]!)).not.toBe(current);

  const third = bearerOf(posts[1]!) as string;
  refused.add(third);
  async function* chunks() {
    yield Buffer.from('part-1;');
    yield Buffer.from('part-2');
  }
  const streamed = await request(`${sidecar.egressUrl}/orders`, { method: 'POST', headers: { host: 'orders' }, body: Readable.from(chunks()) });
  expect(streamed.statusCode).toBe(401);
  expect(streamed.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  await streamed.body.text();
  const next = await appCall(sidecar.egressUrl, '/orders/after', 'orders');
  expect(next.status).toBe(200);
  const last = bearerOf(upstream.seen[upstream.seen.length - 1]!) as string;
  expect(last).not.toBe(third);
  expect(refused.has(last)).toBe(false);
});
