// The sensitive admin endpoints (/identities) on their own inspect listener over mTLS: the admin
// listener keeps /metrics, /healthz, /readyz and answers 404 for /identities (and for any other
// path not explicitly public); the inspect listener refuses a client without a certificate at the
// handshake, answers 403 to a verified identity outside admin.inspect.allow, and serves the
// inventory to an allowed one. A reload that narrows the allow-list applies at once.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { loadConfigFile } from '../../src/config/load.js';
import { Sidecar, type SidecarAddresses } from '../../src/sidecar.js';
import { call, mtlsAgent, tryHandshake } from '../helpers/client.js';
import { LogCapture } from '../helpers/logs.js';
import { IDS, TRUST_DOMAIN, makePki, type CertFiles, type TestPki } from '../helpers/pki.js';
import { sidecarConfig } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const PLATFORM = `spiffe://${TRUST_DOMAIN}/ns/platform/sa/inspector`;

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: Sidecar;
let addresses: SidecarAddresses;
let platform: CertFiles;
let configPath: string;

function config(allow: string[]): Record<string, unknown> {
  const base = sidecarConfig(pki, { upstreamUrl: upstream.url });
  return {
    ...base,
    admin: { address: '127.0.0.1', port: 0, inspect: { address: '127.0.0.1', port: 0, tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath }, allow } },
  };
}

beforeAll(async () => {
  pki = await makePki();
  platform = await pki.issue('inspector', { uris: [PLATFORM] });
  upstream = await startUpstream();
  configPath = join(pki.dir, 'palisade.yaml');
  writeFileSync(configPath, stringify(config([PLATFORM, IDS.frontend])));
  const loaded = loadConfigFile(configPath);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  sidecar = new Sidecar(loaded.value, { logDestination: new LogCapture() });
  addresses = await sidecar.start();
  // One request so the inventory has an entry.
  const agent = mtlsAgent(pki, pki.frontend);
  await call(`https://localhost:${addresses.inbound['app']!.port}/api/orders`, agent);
  await agent.close();
});

afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('the admin listener serves only the public endpoints once an inspect listener is configured', async () => {
  const admin = `http://127.0.0.1:${addresses.admin.port}`;
  expect((await request(`${admin}/metrics`)).statusCode).toBe(200);
  expect((await request(`${admin}/healthz`)).statusCode).toBe(200);
  const identities = await request(`${admin}/identities`);
  expect(identities.statusCode).toBe(404);
  const body = await identities.body.text();
  expect(body).not.toContain(IDS.frontend);
  // Anything not on the public list is sensitive: a future endpoint never leaks by default.
  expect((await request(`${admin}/probes`)).statusCode).toBe(404);
});

test('inspect listener: no client certificate never completes a request', async () => {
  expect(addresses.inspect).toBeDefined();
  const result = await tryHandshake(addresses.inspect!.port, { ca: pki.ca.certPem });
  expect(result.ok).toBe(false);
  expect(result.response ?? '').not.toContain(IDS.frontend);
});

test('inspect listener: a verified identity outside the allow-list gets 403, an allowed one the inventory', async () => {
  const url = `https://localhost:${addresses.inspect!.port}/identities`;
  const intruder = mtlsAgent(pki, pki.intruder);
  const refused = await call(url, intruder);
  await intruder.close();
  expect(refused.status).toBe(403);
  expect(refused.text).not.toContain(IDS.frontend);

  const agent = mtlsAgent(pki, platform);
  const allowed = await call(url, agent);
  expect(allowed.status).toBe(200);
  expect(allowed.json<{ identities: Array<{ identity: string }> }>().identities.map((entry) => entry.identity)).toContain(IDS.frontend);
  // The inspect listener does not serve the public endpoints: scraping stays on the admin port.
  expect((await call(`https://localhost:${addresses.inspect!.port}/metrics`, agent)).status).toBe(404);
  await agent.close();
});

test('a reload that drops an identity from the allow-list refuses it on the next request', async () => {
  writeFileSync(configPath, stringify(config([PLATFORM])));
  expect(sidecar.reloadFromFile(configPath)).toBe(true);
  const agent = mtlsAgent(pki, pki.frontend);
  expect((await call(`https://localhost:${addresses.inspect!.port}/identities`, agent)).status).toBe(403);
  await agent.close();
  expect(readFileSync(configPath, 'utf8')).toContain(PLATFORM);
});
