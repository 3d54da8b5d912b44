// A reload that fails late (the last listener's state cannot be built) changes nothing and
// leaks nothing, although the first listener's new state was complete by then: that state's new
// app pool is never used (the new app sees no connection), its new remote JWKS is never fetched
// (a real HTTPS JWKS server counts requests), and the replay cache it would have resized keeps
// its size and entries. A reload that then succeeds does all three, so the test can tell.
//
// The failure is a loaded config whose last listener has no TLS material, as a build step that
// fails after the others leaves it; the loader itself refuses a bad file before any build runs.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Agent } from 'undici';
import { loadConfigObject, type LoadedConfig } from '../../src/config/load.js';
import { ReloadError, Sidecar } from '../../src/sidecar.js';
import { mtlsAgent } from '../helpers/client.js';
import { LogCapture } from '../helpers/logs.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { send, signRequest, type SignedSetup } from '../helpers/signed.js';
import { sidecarConfig } from '../helpers/sidecar.js';
import { ISSUER, AUDIENCE, issuerKey, jwks, startJwksServer, type JwksServer } from '../helpers/tokens.js';
import { until } from '../helpers/wait.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let appBefore: TestUpstream;
let appAfter: TestUpstream;
let connectionsToAppAfter = 0;
let jwksBefore: JwksServer;
let jwksAfter: JwksServer;
let sidecar: Sidecar;
let agent: Agent;
let signer: SignedSetup;

function config(app: TestUpstream, jwksServer: JwksServer, replayCacheSize: number): LoadedConfig {
  const base = sidecarConfig(pki, {
    upstreamUrl: app.url,
    routes: [{ name: 'api', methods: ['GET'], path: '/api/**', allow: [IDS.frontend], token: false, signature: { required: true } }],
    listener: {
      signatures: { keys: [{ keyid: 'frontend-key', algorithm: 'ed25519', identity: IDS.frontend, key: 'frontend-key.pub.pem' }], replayCacheSize },
      tokens: { issuers: [{ name: 'remote', issuer: ISSUER, audiences: [AUDIENCE], algorithms: ['ES256'], remote: { url: jwksServer.url, ca: pki.write(`ca-${jwksServer.url.split(':')[2]!.split('/')[0]}.pem`, jwksServer.caPem) } }] },
    },
  }) as { inbound: Array<Record<string, unknown>> };
  base.inbound.push({ name: 'last', address: '127.0.0.1', port: 0, tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath }, upstream: { url: app.url }, routes: [{ name: 'all', path: '/**', allow: ['*'] }] });
  const loaded = loadConfigObject(base, pki.dir);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  return loaded.value;
}

const get = (nonce: string) => send(signer, { method: 'GET', path: '/api/orders', headers: signRequest(signer, { method: 'GET', path: '/api/orders', nonce }) });

beforeAll(async () => {
  pki = await makePki();
  const pair = generateKeyPairSync('ed25519');
  pki.write('frontend-key.pub.pem', pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  appBefore = await startUpstream();
  appAfter = await startUpstream();
  appAfter.server.on('connection', () => (connectionsToAppAfter += 1));
  const key = await issuerKey('k1');
  jwksBefore = await startJwksServer(jwks(key));
  jwksAfter = await startJwksServer(jwks(key));
  sidecar = new Sidecar(config(appBefore, jwksBefore, 1000), { logDestination: new LogCapture() });
  const addresses = await sidecar.start();
  const port = addresses.inbound['app']!.port;
  agent = mtlsAgent(pki, pki.frontend);
  signer = { sidecar: { port, url: `https://localhost:${port}` }, agent, frontendKey: { keyid: 'frontend-key', privateKey: pair.privateKey } } as unknown as SignedSetup;
});

afterAll(async () => {
  await agent?.close();
  await sidecar?.close();
  await appBefore?.close();
  await appAfter?.close();
  await jwksBefore?.close();
  await jwksAfter?.close();
  pki?.cleanup();
});

test('a reload whose last listener fails changes nothing and starts nothing; a good one then does', async () => {
  await until('the running remote JWKS was fetched at start', async () => jwksBefore.requests() > 0);
  expect((await get('n1')).status).toBe(200);

  // New app, new JWKS endpoint, a replay cache of 1: all for the first listener. The last one fails.
  const next = config(appAfter, jwksAfter, 1);
  const broken: LoadedConfig = { ...next, tls: new Map([...next.tls].filter(([name]) => name !== 'last')) };
  let error: unknown;
  try {
    sidecar.reload(broken);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ReloadError);
  expect((error as ReloadError).errors.join('\n')).toContain('inbound[1] (last)');

  // Still the running state: the old app answers, the replay cache still holds n1 after n2 (a
  // capacity of 1 would have forgotten it), and n2 is remembered too.
  expect((await get('n2')).status).toBe(200);
  const replayed = await get('n1');
  expect(replayed.status).toBe(401);
  expect(replayed.json()).toMatchObject({ reason: 'signature_replayed' });
  expect((await get('n2')).status).toBe(401);
  expect(appBefore.received).toHaveLength(2);
  expect(appAfter.received).toHaveLength(0);
  expect(connectionsToAppAfter).toBe(0);
  expect(jwksAfter.requests()).toBe(0);

  // The same config with the last listener intact: swapped in, and only now does it start.
  sidecar.reload(next);
  await until('the new remote JWKS is fetched after the swap', async () => jwksAfter.requests() > 0);
  expect((await get('n3')).status).toBe(200);
  expect(appAfter.received).toHaveLength(1);
  expect(connectionsToAppAfter).toBe(1);
  // The carried-over cache now holds one entry: n3 pushed n1 and n2 out.
  expect((await get('n1')).status).toBe(200);
});
