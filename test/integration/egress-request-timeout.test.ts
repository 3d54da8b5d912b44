// Egress: an app request whose body stops short is answered 408 request_timeout at the egress
// listener's server.requestTimeoutMs (not a silent close logged as 499), counted and logged.
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { Sidecar } from '../../src/sidecar.js';
import { egressConfig, egressUpstream, ORDERS_ID } from '../helpers/egress.js';
import { LogCapture } from '../helpers/logs.js';
import { metric } from '../helpers/metrics.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { startTlsUpstream, type TlsUpstream } from '../helpers/tls-upstream.js';

let pki: TestPki;
let upstream: TlsUpstream;
let sidecar: Sidecar;
let logs: LogCapture;
let egressPort: number;
let adminUrl: string;

beforeAll(async () => {
  pki = await makePki();
  const orders = await pki.issue('orders', { uris: [ORDERS_ID], ipAddresses: ['127.0.0.1'] });
  upstream = await startTlsUpstream(pki, orders);
  const config = egressConfig(pki, [egressUpstream(pki, 'orders', upstream.url)]);
  (config['egress'] as Array<Record<string, unknown>>)[0]!['server'] = { headersTimeoutMs: 1000, requestTimeoutMs: 2000 };
  const loaded = loadConfigObject(config, pki.dir);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  logs = new LogCapture();
  sidecar = new Sidecar(loaded.value, { logDestination: logs });
  const addresses = await sidecar.start();
  egressPort = addresses.egress['out']?.port as number;
  adminUrl = `http://127.0.0.1:${addresses.admin.port}`;
});

afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('an app body that stops short gets 408 request_timeout', async () => {
  const response = await new Promise<string>((resolve) => {
    let data = '';
    const socket = connect(egressPort, '127.0.0.1', () => {
      socket.write('POST /orders HTTP/1.1\r\nHost: orders\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    });
    socket.setTimeout(15_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(data));
  });
  expect(response.startsWith('HTTP/1.1 408')).toBe(true);
  expect(response).toContain('"reason":"request_timeout"');
  expect(await metric(adminUrl, 'palisade_requests_total', { listener: 'out', decision: 'deny', reason: 'request_timeout' })).toBe(1);
  const line = logs.requests().find((entry) => entry['listener'] === 'out');
  expect(line).toMatchObject({ status: 408, reason: 'request_timeout' });
});
