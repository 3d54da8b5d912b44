// Certificates rotate without an outage: while a client sends requests continuously (reusing
// connections and opening new ones), the server certificate is replaced on disk, then the trust
// bundle moves from one CA to another. The file watcher reloads each change; no request fails,
// and new handshakes present the new certificate.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { createCa, createLeaf, type IssuedCert } from '../../src/certs/factory.js';
import { startCli, type LongRunning } from '../helpers/cli.js';
import { call, mtlsAgent, tryHandshake } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, makePki, type CertFiles, type TestPki } from '../helpers/pki.js';
import { sidecarConfig } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let cli: LongRunning;
let port: number;
let adminUrl: string;
let serverCertPath: string;
let serverKeyPath: string;
let bundlePath: string;

/** What was awaited, with the child's output (read only when the wait fails). */
const withOutput = (what: string) => () => `${what}\nstderr: ${cli.stderr()}`;

/** Replace a file the way cert-manager or an editor does: write aside, then rename over it. */
function replace(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** The serial number of the certificate the sidecar presents to a new handshake. */
function servedSerial(client: { certPem: string; keyPem: string }, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, cert: client.certPem, key: client.keyPem, servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate().serialNumber.toLowerCase());
      socket.end();
    });
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream((_req, res) => res.end('ok'));
  serverCertPath = join(pki.dir, 'live-server.pem');
  serverKeyPath = join(pki.dir, 'live-server-key.pem');
  bundlePath = join(pki.dir, 'live-bundle.pem');
  writeFileSync(serverCertPath, pki.server.certPem);
  writeFileSync(serverKeyPath, pki.server.keyPem);
  writeFileSync(bundlePath, pki.ca.certPem);
  const config = sidecarConfig(pki, {
    upstreamUrl: upstream.url,
    listener: { tls: { cert: serverCertPath, key: serverKeyPath, clientCa: bundlePath } },
    top: { reload: { watchFiles: true, debounceMs: 100 } },
  });
  const configPath = join(pki.dir, 'palisade.yaml');
  writeFileSync(configPath, stringify(config));
  cli = startCli(['run', '-c', configPath]);
  const started = await cli.waitFor(/^.*"palisade started".*$/m);
  const line = JSON.parse(started[0]) as { inbound: { app: { port: number } }; admin: string };
  port = line.inbound.app.port;
  adminUrl = `http://${line.admin}`;
});

afterAll(async () => {
  cli?.kill();
  await upstream?.close();
  pki?.cleanup();
});

test('server certificate and trust bundle rotate under load with zero failed requests', async () => {
  // The client identity in use; the load loop reads it on every new connection.
  let client: CertFiles | { certPem: string; keyPem: string } = pki.frontend;
  let stop = false;
  let ok = 0;
  const failures: string[] = [];
  const load = (async () => {
    const deadline = Date.now() + 30_000;
    while (!stop && Date.now() < deadline) {
      // Ten requests per connection, then a fresh connection (a fresh handshake).
      const agent = mtlsAgent(pki, client as CertFiles);
      for (let i = 0; i < 10 && !stop; i += 1) {
        try {
          const response = await call(`https://localhost:${port}/public/x`, agent);
          if (response.status === 200) ok += 1;
          else failures.push(`status ${response.status}: ${response.text}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
      await agent.close();
    }
  })();

  await until(withOutput('traffic to flow'), () => ok > 20);

  // 1. New server certificate, same CA. Cert and key land as two writes: between them the pair
  //    does not match, that reload is refused, and the old pair keeps serving.
  const before = await servedSerial(pki.frontend, pki.ca.certPem);
  const next = await createLeaf({ issuer: pki.ca, uris: [IDS.server], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  replace(serverCertPath, next.certPem);
  replace(serverKeyPath, next.keyPem);
  const nextSerial = next.cert.serialNumber.toLowerCase();
  await until(withOutput('the new server certificate'), async () => (await servedSerial(pki.frontend, pki.ca.certPem)) === nextSerial);
  expect(nextSerial).not.toBe(before);

  // 2. Trust bundle moves to a new CA: first both, then clients switch, then the old CA goes.
  const ca2: IssuedCert = await createCa({ commonName: 'Palisade Test CA 2' });
  const client2 = await createLeaf({ issuer: ca2, uris: [IDS.frontend] });
  const reloadsBefore = await metric(adminUrl, 'palisade_config_reloads_total', { result: 'success' });
  replace(bundlePath, pki.ca.certPem + ca2.certPem);
  await until(withOutput('the two-CA bundle'), async () => (await metric(adminUrl, 'palisade_config_reloads_total', { result: 'success' })) > reloadsBefore);
  client = client2;
  const okAtSwitch = ok;
  await until(withOutput('traffic with the new client certificate'), () => ok > okAtSwitch + 20);
  const reloadsMiddle = await metric(adminUrl, 'palisade_config_reloads_total', { result: 'success' });
  replace(bundlePath, ca2.certPem);
  await until(withOutput('the new-CA-only bundle'), async () => (await metric(adminUrl, 'palisade_config_reloads_total', { result: 'success' })) > reloadsMiddle);
  const okAfter = ok;
  await until(withOutput('traffic after the old CA left the bundle'), () => ok > okAfter + 20);

  stop = true;
  await load;
  expect(failures).toEqual([]);
  expect(ok).toBeGreaterThan(60);

  // The old CA's client is now refused at the handshake; the new one is accepted.
  expect((await tryHandshake(port, { ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem })).ok).toBe(false);
  expect((await tryHandshake(port, { ca: pki.ca.certPem, cert: client2.certPem, key: client2.keyPem })).ok).toBe(true);
});
