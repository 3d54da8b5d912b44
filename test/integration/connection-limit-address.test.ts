// server.maxConnectionsPerAddress: connections from one peer IP address are counted from
// accept, before the handshake, so silent connections from one address cannot fill the
// listener. Past the cap a new connection from that address is closed at once and counted as
// max_connections_per_address; when one closes, the address may connect again.
import { connect, type Socket } from 'node:net';
import { afterAll, expect, test } from 'vitest';
import { tryHandshake } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
const sockets: Socket[] = [];

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: { listener: { server: { maxConnectionsPerAddress: 2 } } },
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
});

function openSilent(): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(sidecar.port, '127.0.0.1', () => resolve(socket));
    socket.on('error', () => undefined);
    sockets.push(socket);
  });
}

test('silent connections from one address are capped before the handshake', async () => {
  const first = await openSilent();
  await openSilent();
  const deadline = Date.now() + 10_000;
  while ((await metric(sidecar.adminUrl, 'palisade_connections_open', { listener: 'app' })) < 2 && Date.now() < deadline) await sleep(20);

  // A real client from the same address cannot get in while the silent ones hold the cap.
  const refused = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem });
  expect(refused.ok).toBe(false);
  expect(await metric(sidecar.adminUrl, 'palisade_connections_refused_total', { listener: 'app', reason: 'max_connections_per_address' })).toBe(1);
  // Refused before TLS: no handshake was attempted, so none was counted.
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { listener: 'app' })).toBe(0);

  // One silent connection leaves: the address has room again.
  first.destroy();
  while ((await metric(sidecar.adminUrl, 'palisade_connections_open', { listener: 'app' })) > 1 && Date.now() < deadline) await sleep(20);
  const admitted = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem });
  expect(admitted.ok).toBe(true);
  expect(admitted.response).toMatch(/^HTTP\/1\.1 200/);
});
