// Egress signing reads the app's body before signing; if the app goes away mid-body, nothing is
// sent upstream and the request is recorded as client_disconnected (499), not as a body that
// was too large.
import { generateKeyPairSync } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { Sidecar } from '../../src/sidecar.js';
import { egressConfig, egressUpstream, ORDERS_ID } from '../helpers/egress.js';
import { startIndependentVerifier, type IndependentVerifier } from '../helpers/independent-verifier.js';
import { LogCapture } from '../helpers/logs.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let verifier: IndependentVerifier;
let sidecar: Sidecar;
let logs: LogCapture;
let egressPort: number;

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
  logs = new LogCapture();
  sidecar = new Sidecar(loaded.value, { logDestination: logs });
  egressPort = (await sidecar.start()).egress['out']!.port;
});

afterAll(async () => {
  await sidecar?.close();
  await verifier?.close();
  pki?.cleanup();
});

test('half a body, then the app disconnects → client_disconnected, nothing upstream', async () => {
  const socket = connect(egressPort, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('POST /orders HTTP/1.1\r\nHost: orders\r\nContent-Length: 1000\r\n\r\n' + 'x'.repeat(100));
  await sleep(100);
  socket.destroy();

  const deadline = Date.now() + 5_000;
  while (logs.requests().length === 0 && Date.now() < deadline) await sleep(25);
  expect(logs.requests()[0]).toMatchObject({ reason: 'client_disconnected', status: 499, route: 'orders' });
  expect(verifier.verdicts).toHaveLength(0);
});
