// A reload that changes a listener's port cannot be applied to a running sidecar: it fails,
// names the key (inbound[0].port) with both values, is counted as an error, and the sidecar
// keeps serving on the old port.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { loadConfigFile } from '../../src/config/load.js';
import { Sidecar } from '../../src/sidecar.js';
import { call, mtlsAgent } from '../helpers/client.js';
import { LogCapture } from '../helpers/logs.js';
import { metric } from '../helpers/metrics.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { sidecarConfig } from '../helpers/sidecar.js';
import { startUpstream, unusedPort, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: Sidecar;
let logs: LogCapture;
let port: number;
let adminUrl: string;
let configPath: string;

function config(listenerPort: number): Record<string, unknown> {
  return sidecarConfig(pki, { upstreamUrl: upstream.url, top: { reload: { watchFiles: false } }, listener: { port: listenerPort } });
}

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  configPath = join(pki.dir, 'palisade.yaml');
  writeFileSync(configPath, stringify(config(0)));
  const loaded = loadConfigFile(configPath);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  logs = new LogCapture();
  sidecar = new Sidecar(loaded.value, { logDestination: logs });
  const addresses = await sidecar.start();
  port = addresses.inbound['app']?.port as number;
  adminUrl = `http://127.0.0.1:${addresses.admin.port}`;
});

afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('a reload changing a port fails, naming inbound[0].port', async () => {
  const newPort = await unusedPort();
  writeFileSync(configPath, stringify(config(newPort)));
  expect(sidecar.reloadFromFile(configPath)).toBe(false);
  expect(await metric(adminUrl, 'palisade_config_reloads_total', { result: 'error' })).toBe(1);
  expect(await metric(adminUrl, 'palisade_config_reloads_total', { result: 'success' })).toBe(0);
  const failure = logs.lines().find((line) => line['msg'] === 'config reload failed; keeping the running config');
  expect(failure?.['errors']).toEqual([`inbound[0].port: cannot change on reload (running 0, new ${newPort}); restart the sidecar`]);

  const agent = mtlsAgent(pki, pki.frontend);
  expect((await call(`https://localhost:${port}/api/still`, agent)).status).toBe(200);
  await agent.close();
});
