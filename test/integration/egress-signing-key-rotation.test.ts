// The egress signing key rotates without a restart: after the key file is replaced and the
// config reloaded, requests are signed with the new key (the independent verifier, which
// trusts both keyids, sees the new keyid and a valid signature).
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
const oldPair = generateKeyPairSync('ed25519');
const newPair = generateKeyPairSync('ed25519');

function config(keyid: string): Record<string, unknown> {
  const value = egressConfig(pki, [egressUpstream(pki, 'orders', verifier.url)]) as { egress: Array<Record<string, unknown>> };
  value.egress[0]!['signing'] = { keyid, algorithm: 'ed25519', key: 'service-sign.pem' };
  return value;
}

async function call(): Promise<number> {
  const response = await request(`${egressUrl}/orders/1`, { headers: { host: 'orders' } });
  await response.body.text();
  return response.statusCode;
}

beforeAll(async () => {
  pki = await makePki();
  pki.write('service-sign.pem', oldPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const orders = await pki.issue('orders', { uris: [ORDERS_ID], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  verifier = await startIndependentVerifier(pki, orders, new Map([['key-2024', oldPair.publicKey], ['key-2025', newPair.publicKey]]));
  const loaded = loadConfigObject(config('key-2024'), pki.dir);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  sidecar = new Sidecar(loaded.value, { logDestination: new LogCapture() });
  egressUrl = `http://127.0.0.1:${(await sidecar.start()).egress['out']!.port}`;
});

afterAll(async () => {
  await sidecar?.close();
  await verifier?.close();
  pki?.cleanup();
});

test('a reload with a new key file signs with the new key', async () => {
  expect(await call()).toBe(200);
  expect(verifier.verdicts.at(-1)).toMatchObject({ ok: true, keyid: 'key-2024' });

  pki.write('service-sign.pem', newPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  const next = loadConfigObject(config('key-2025'), pki.dir);
  if (!next.ok) throw new Error(next.errors.join('\n'));
  sidecar.reload(next.value);

  expect(await call()).toBe(200);
  expect(verifier.verdicts.at(-1)).toMatchObject({ ok: true, keyid: 'key-2025' });
});
