// A reload that lowers server.headersTimeoutMs takes effect for new connections (slow headers
// are answered 408 at the new limit, not the old 30 s) and is counted as a success.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { loadConfigFile } from '../../src/config/load.js';
import { Sidecar } from '../../src/sidecar.js';
import { LogCapture } from '../helpers/logs.js';
import { metric } from '../helpers/metrics.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { rawPeer } from '../helpers/raw-peer.js';
import { sidecarConfig } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: Sidecar;
let port: number;
let adminUrl: string;
let configPath: string;

function config(server: Record<string, unknown>): Record<string, unknown> {
  return sidecarConfig(pki, { upstreamUrl: upstream.url, top: { reload: { watchFiles: false } }, listener: { server } });
}

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  configPath = join(pki.dir, 'palisade.yaml');
  writeFileSync(configPath, stringify(config({})));
  const loaded = loadConfigFile(configPath);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  sidecar = new Sidecar(loaded.value, { logDestination: new LogCapture() });
  const addresses = await sidecar.start();
  port = addresses.inbound['app']?.port as number;
  adminUrl = `http://127.0.0.1:${addresses.admin.port}`;
});

afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('lowering server.headersTimeoutMs by reload applies to new connections', async () => {
  // Admin and listener ports were 0 in the file: keep the file's values, which a reload compares.
  writeFileSync(configPath, stringify(config({ headersTimeoutMs: 1000, requestTimeoutMs: 2000 })));
  expect(sidecar.reloadFromFile(configPath)).toBe(true);
  expect(await metric(adminUrl, 'palisade_config_reloads_total', { result: 'success' })).toBe(1);

  // Bounded at 10 s: with the old 30 s limit the peer would give up with no answer.
  const { response } = await rawPeer(port, pki, pki.frontend, (write) => write('GET /public/x HTTP/1.1\r\nHost: localhost\r\nx-slow: 1\r\n'), 10_000);
  expect(response.startsWith('HTTP/1.1 408')).toBe(true);
  expect(response).toContain('"reason":"request_timeout"');
  expect(await metric(adminUrl, 'palisade_requests_total', { decision: 'deny', reason: 'request_timeout' })).toBe(1);
});
