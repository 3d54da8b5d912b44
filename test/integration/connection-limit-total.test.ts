// Past server.maxConnections a new connection is closed at accept, before any TLS, and counted
// in palisade_connections_refused_total{reason="max_connections"}; an established keep-alive
// client keeps being served on its connection. palisade_connections_open counts from accept.
// Refusals are logged as a rate-limited summary line, not one line each.
import { connect, type Socket } from 'node:net';
import { Client } from 'undici';
import { afterAll, expect, test } from 'vitest';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
const silent: Socket[] = [];

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: { listener: { server: { maxConnections: 3 } } },
});

afterAll(async () => {
  for (const socket of silent) socket.destroy();
});

/** A TCP connection that never starts TLS; resolves once connected. */
function openSilent(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(sidecar.port, '127.0.0.1', () => resolve(socket));
    socket.on('error', () => undefined);
    socket.once('error', reject);
    silent.push(socket);
  });
}

/** A TCP connection past the cap: resolves true once the server has closed it (reset), false if it stays open 5 s. */
function refusedConnection(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(sidecar.port, '127.0.0.1');
    silent.push(socket);
    const timer = setTimeout(() => resolve(false), 5_000);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

test('past maxConnections new connections are refused and counted; an established client is unaffected', async () => {
  const client = new Client(sidecar.url, { connect: { ca: pki.ca.certPem, servername: 'localhost', cert: pki.frontend.certPem, key: pki.frontend.keyPem } });
  const get = async (path: string) => {
    const response = await client.request({ method: 'GET', path });
    await response.body.text();
    return response.statusCode;
  };
  expect(await get('/api/one')).toBe(200);

  // Two silent connections fill the cap of 3.
  await openSilent();
  await openSilent();
  const deadline = Date.now() + 10_000;
  while ((await metric(sidecar.adminUrl, 'palisade_connections_open', { listener: 'app' })) < 3 && Date.now() < deadline) await sleep(20);
  expect(await metric(sidecar.adminUrl, 'palisade_connections_open', { listener: 'app' })).toBe(3);

  // Beyond it: closed by the sidecar at once (long before the handshake timeout), and counted.
  expect(await Promise.all([refusedConnection(), refusedConnection()])).toEqual([true, true]);
  expect(await metric(sidecar.adminUrl, 'palisade_connections_refused_total', { listener: 'app', reason: 'max_connections' })).toBe(2);
  // Logged as a summary, not a line per connection: the first refusal opens a 10 s window.
  expect(sidecar.logs.lines().filter((line) => line['type'] === 'connection_refused')).toEqual([
    expect.objectContaining({ listener: 'app', reason: 'max_connections', count: 1, msg: 'connections refused' }),
  ]);

  // The established keep-alive connection still serves, with no new handshake.
  expect(await get('/api/two')).toBe(200);
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { listener: 'app', result: 'success' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_connections_open', { listener: 'app' })).toBe(3);
  await client.close();
});
