// A client certificate with an RSA-1024 key gets 403 weak_key from the policy
// (tls.peer.minRsaBits, default 2048) on every Node version: the listener pins OpenSSL's security
// level to 1, so Node 22+'s OpenSSL (default level 2) does not drop it with an opaque error
// first. The app sees nothing. RSA-2048 passes.
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started));

test('RSA-1024 → 403 weak_key', async () => {
  const weak = await pki.issue('rsa1024', { uris: [IDS.frontend], keyType: 'rsa-1024' });
  // The attacker's client lowers its own security level so it can present the weak key at all.
  const agent = mtlsAgent(pki, weak, { ciphers: 'DEFAULT:@SECLEVEL=0' });
  const response = await call(`${sidecar.url}/public/x`, agent);
  await agent.close();
  expect(response.status).toBe(403);
  expect(response.json()['reason']).toBe('weak_key');
  expect(sidecar.logs.requests()[0]?.['reasons']).toEqual(expect.arrayContaining([expect.objectContaining({ detail: expect.stringContaining('1024') })]));
  expect(upstream.received).toHaveLength(0);
});

test('RSA-2048 is allowed', async () => {
  const ok = await pki.issue('rsa2048', { uris: [IDS.frontend], keyType: 'rsa-2048' });
  const agent = mtlsAgent(pki, ok);
  const response = await call(`${sidecar.url}/public/x`, agent);
  await agent.close();
  expect(response.status).toBe(200);
});
