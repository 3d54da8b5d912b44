// Egress tokens: the sidecar gets a token from the broker over mTLS with the service's own
// certificate, caches it, and attaches it to every request to the upstream in place of the
// Authorization the app sent; the token is bound to the certificate the sidecar presents.
import { X509Certificate, createHash } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BROKER_ISSUER, brokerRequest, startBroker, type RunningBroker } from '../helpers/broker.js';
import { appCall, egressUpstream, ORDERS_ID, startEgressSidecar, type RunningEgress } from '../helpers/egress.js';
import { metric } from '../helpers/metrics.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { bearerOf, startTokenUpstream, type TokenUpstream } from '../helpers/token-upstream.js';

let pki: TestPki;
let broker: RunningBroker;
let upstream: TokenUpstream;
let sidecar: RunningEgress;

beforeAll(async () => {
  pki = await makePki();
  broker = await startBroker(pki, { grants: [{ name: 'server-orders', identity: IDS.server, audiences: [ORDERS_ID], scopes: ['orders:read', 'orders:write'], defaultScopes: ['orders:read'], lifetime: '5m' }] });
  const orders = await pki.issue('orders', { uris: [ORDERS_ID], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  upstream = await startTokenUpstream(pki, orders);
  sidecar = await startEgressSidecar(pki, [egressUpstream(pki, 'orders', upstream.url, { token: { tokenUrl: `${broker.url}/token`, scope: 'orders:read', audience: ORDERS_ID } })]);
}, 120_000);

afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  await broker?.close();
  pki?.cleanup();
});

test('every request carries the broker token bound to the service certificate, never the app credential', async () => {
  for (let i = 0; i < 5; i += 1) {
    const response = await appCall(sidecar.egressUrl, `/orders/${i}`, 'orders', { authorization: 'Bearer app-held-secret' });
    expect(response.status).toBe(200);
  }
  expect(upstream.seen).toHaveLength(5);
  const tokens = new Set(upstream.seen.map(bearerOf));
  expect(tokens.size).toBe(1);
  const token = [...tokens][0] as string;
  expect(token).not.toContain('app-held-secret');
  const keys = (await brokerRequest(pki, `${broker.url}/.well-known/jwks.json`)).json<{ keys: never[] }>().keys;
  const { payload } = await jwtVerify(token, createLocalJWKSet({ keys }), { issuer: BROKER_ISSUER, audience: ORDERS_ID, typ: 'at+jwt' });
  expect(payload).toMatchObject({ sub: IDS.server, client_id: IDS.server, scope: 'orders:read' });
  const thumbprint = createHash('sha256').update(new X509Certificate(pki.server.certPem).raw).digest('base64url');
  expect((payload['cnf'] as Record<string, string>)['x5t#S256']).toBe(thumbprint);

  // One fetch for five requests; the expiry gauge holds the token's exp.
  expect(await metric(sidecar.adminUrl, 'palisade_egress_token_fetches_total', { upstream: 'orders', result: 'success' })).toBe(1);
  // expires_in counts from when the sidecar asked: within a second of the token's exp.
  expect(Math.abs((await metric(sidecar.adminUrl, 'palisade_egress_token_expiry_timestamp_seconds', { upstream: 'orders' })) - (payload.exp as number))).toBeLessThanOrEqual(1);
  expect(broker.logs.lines().filter((line) => line['type'] === 'broker_grant')).toHaveLength(1);
  // The sidecar's logs never hold the token.
  expect(sidecar.logs.raw()).not.toContain(token.split('.')[2]);
});
