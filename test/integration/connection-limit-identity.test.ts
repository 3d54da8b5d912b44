// server.maxConnectionsPerIdentity: once one verified identity holds its cap of connections, its
// next connection is closed right after the handshake (it never gets an HTTP answer) and
// counted as max_connections_per_identity; another identity still connects, and the first
// identity's established connection keeps working.
import { Client } from 'undici';
import { expect, test } from 'vitest';
import { tryHandshake } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type CertFiles, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: {
    routes: [{ name: 'public', path: '/public/**', allow: [IDS.frontend, IDS.intruder] }],
    listener: { server: { maxConnectionsPerIdentity: 1 } },
  },
});

function keepAlive(who: CertFiles): Client {
  return new Client(sidecar.url, { connect: { ca: pki.ca.certPem, servername: 'localhost', cert: who.certPem, key: who.keyPem } });
}

async function get(client: Client, path: string): Promise<number> {
  const response = await client.request({ method: 'GET', path });
  await response.body.text();
  return response.statusCode;
}

test('one identity past its connection cap is refused after the handshake; others are not', async () => {
  const held = keepAlive(pki.frontend);
  expect(await get(held, '/public/one')).toBe(200);

  const second = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem });
  expect(second.ok).toBe(false);
  expect(second.response ?? '').toBe('');
  expect(await metric(sidecar.adminUrl, 'palisade_connections_refused_total', { listener: 'app', reason: 'max_connections_per_identity' })).toBe(1);

  const other = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: pki.intruder.certPem, key: pki.intruder.keyPem });
  expect(other.ok).toBe(true);
  expect(other.response).toMatch(/^HTTP\/1\.1 200/);

  expect(await get(held, '/public/two')).toBe(200);
  await held.close();
});
