// A broken certificate file during rotation never replaces working material: a corrupt cert,
// then a key that does not match, each keep the old certificate serving, count
// palisade_certificate_reloads_total{result="error"}, and log why without any key material.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { startCli, type LongRunning } from '../helpers/cli.js';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { sidecarConfig } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let cli: LongRunning;
let port: number;
let adminUrl: string;
let certPath: string;
let keyPath: string;

/** What was awaited, with the child's output (read only when the wait fails). */
const withOutput = (what: string) => () => `${what}\nstdout: ${cli.stdout()}`;

function servedSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem, servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate().serialNumber.toLowerCase());
      socket.end();
    });
    socket.on('error', reject);
  });
}

const errors = () => metric(adminUrl, 'palisade_certificate_reloads_total', { listener: 'app', result: 'error' });
const failureLines = () => cli.stdout().split('\n').filter((line) => line.includes('config reload failed'));

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream((_req, res) => res.end('ok'));
  certPath = join(pki.dir, 'live-server.pem');
  keyPath = join(pki.dir, 'live-server-key.pem');
  writeFileSync(certPath, pki.server.certPem);
  writeFileSync(keyPath, pki.server.keyPem);
  const configPath = join(pki.dir, 'palisade.yaml');
  writeFileSync(
    configPath,
    stringify(sidecarConfig(pki, { upstreamUrl: upstream.url, listener: { tls: { cert: certPath, key: keyPath, clientCa: pki.caPath } }, top: { reload: { watchFiles: true, debounceMs: 100 } } })),
  );
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

test('a corrupt certificate, then a mismatched key, keep the old certificate in use', async () => {
  const original = pki.server.issued.cert.serialNumber.toLowerCase();
  expect(await servedSerial()).toBe(original);

  // 1. Corrupt: a truncated PEM.
  writeFileSync(certPath, pki.server.certPem.slice(0, 200));
  await until(withOutput('the corrupt-cert reload error'), async () => (await errors()) === 1 && failureLines().length === 1);
  expect(failureLines()[0]).toContain('inbound[0].tls.cert');
  expect(await servedSerial()).toBe(original);

  // 2. A valid certificate with the wrong key beside it.
  writeFileSync(certPath, pki.server.certPem);
  writeFileSync(keyPath, pki.frontend.keyPem);
  await until(withOutput('the mismatched-key reload error'), async () => (await errors()) === 2 && failureLines().length === 2);
  expect(failureLines()[1]).toContain('inbound[0].tls.key: does not match the certificate');
  expect(await servedSerial()).toBe(original);

  // Still serving, ready, and nothing secret in the log.
  const agent = mtlsAgent(pki, pki.frontend);
  expect((await call(`https://localhost:${port}/public/x`, agent)).status).toBe(200);
  await agent.close();
  expect(await metric(adminUrl, 'palisade_ready')).toBe(1);
  const output = cli.stdout() + cli.stderr();
  expect(output).not.toContain('-----BEGIN');
  expect(output).not.toContain(pki.frontend.keyPem.split('\n')[1]);
  expect(output).not.toContain(pki.server.certPem.split('\n')[1]);

  // 3. Fixed: the good pair is back, the reload succeeds.
  writeFileSync(keyPath, pki.server.keyPem);
  await until(withOutput('a successful reload'), async () => (await metric(adminUrl, 'palisade_certificate_reloads_total', { listener: 'app', result: 'success' })) >= 1);
});
