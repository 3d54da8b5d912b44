// Egress signing: every request the app sends through the egress listener is signed with the
// service's key (RFC 9421: @method @authority @path @query, content-digest for a body, created,
// expires, a fresh nonce, keyid), and an independent verifier (node:crypto and its own reading
// of the RFC, not src/signatures) accepts it. Any signature the app tried to send is replaced.
import { generateKeyPairSync } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { Sidecar } from '../../src/sidecar.js';
import { egressConfig, egressUpstream, ORDERS_ID } from '../helpers/egress.js';
import { startIndependentVerifier, type IndependentVerifier } from '../helpers/independent-verifier.js';
import { LogCapture } from '../helpers/logs.js';
import { makePki, type TestPki } from '../helpers/pki.js';

let pki: TestPki;
let verifier: IndependentVerifier;
let sidecar: Sidecar;
let egressUrl: string;

beforeAll(async () => {
  pki = await makePki();
  const pair = generateKeyPairSync('ed25519');
  pki.write('service-sign.pem', pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const orders = await pki.issue('orders', { uris: [ORDERS_ID], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  verifier = await startIndependentVerifier(pki, orders, new Map([['service-key', pair.publicKey]]));
  const config = egressConfig(pki, [egressUpstream(pki, 'orders', verifier.url)]) as { egress: Array<Record<string, unknown>> };
  config.egress[0]!['signing'] = { keyid: 'service-key', algorithm: 'ed25519', key: 'service-sign.pem' };
  const loaded = loadConfigObject(config, pki.dir);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  sidecar = new Sidecar(loaded.value, { logDestination: new LogCapture() });
  egressUrl = `http://127.0.0.1:${(await sidecar.start()).egress['out']!.port}`;
});

afterAll(async () => {
  await sidecar?.close();
  await verifier?.close();
  pki?.cleanup();
});

test('a POST with a body, signed on egress, is accepted by the independent verifier', async () => {
  const response = await request(`${egressUrl}/orders?id=7`, {
    method: 'POST',
    headers: { host: 'orders', 'content-type': 'application/json', signature: 'sig1=:AAAA:', 'signature-input': 'sig1=();created=1' },
    body: '{"item":"tea","qty":3}',
  });
  expect(response.statusCode).toBe(200);
  await response.body.text();
  const verdict = verifier.verdicts.at(-1)!;
  expect(verdict).toMatchObject({ ok: true, keyid: 'service-key', body: '{"item":"tea","qty":3}' });
  expect(verdict.components).toEqual(['@method', '@authority', '@path', '@query', 'content-digest']);
  expect(Object.keys(verdict.params)).toEqual(['created', 'expires', 'nonce', 'keyid']);
});

test('a GET is signed too, and each request gets a fresh nonce', async () => {
  for (let i = 0; i < 2; i += 1) {
    const response = await request(`${egressUrl}/orders/7`, { headers: { host: 'orders' } });
    expect(response.statusCode).toBe(200);
    await response.body.text();
  }
  const [first, second] = verifier.verdicts.slice(-2);
  expect(first).toMatchObject({ ok: true });
  expect(second).toMatchObject({ ok: true });
  expect(first!.params['nonce']).not.toBe(second!.params['nonce']);
});
