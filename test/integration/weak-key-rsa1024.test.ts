// A client certificate with an RSA-1024 key passes OpenSSL's default security level but not
// the policy (tls.peer.minRsaBits, default 2048): 403 weak_key. RSA-2048 passes.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  sidecar = await startSidecar(pki, { upstreamUrl: upstream.url });
});
afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('RSA-1024 → 403 weak_key', async () => {
  const weak = await pki.issue('rsa1024', { uris: [IDS.frontend], keyType: 'rsa-1024' });
  const agent = mtlsAgent(pki, weak);
  const response = await call(`${sidecar.url}/public/x`, agent);
  await agent.close();
  expect(response.status).toBe(403);
  expect(response.json()['reason']).toBe('weak_key');
  expect(upstream.received).toHaveLength(0);
  expect(sidecar.logs.requests()[0]?.['reasons']).toEqual(expect.arrayContaining([expect.objectContaining({ detail: expect.stringContaining('1024') })]));
});

test('RSA-2048 is allowed', async () => {
  const ok = await pki.issue('rsa2048', { uris: [IDS.frontend], keyType: 'rsa-2048' });
  const agent = mtlsAgent(pki, ok);
  const response = await call(`${sidecar.url}/public/x`, agent);
  await agent.close();
  expect(response.status).toBe(200);
});
