// A client certificate signed with SHA-1 (by an RSA CA in the trust bundle) never gets
// through: OpenSSL's default security level refuses it at the handshake, and where an operator
// lowered that level (tls.ciphers "...@SECLEVEL=0") the policy still answers 403
// weak_signature_algorithm.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCa } from '../../src/certs/factory.js';
import { call, mtlsAgent, tryHandshake } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, makePki, type CertFiles, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sha1: CertFiles;
const sidecars: RunningSidecar[] = [];

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  const rsaCa = await createCa({ keyType: 'rsa-2048', commonName: 'Palisade Test RSA CA' });
  writeFileSync(join(pki.dir, 'bundle.pem'), pki.ca.certPem + rsaCa.certPem);
  sha1 = await pki.issue('sha1', { issuer: rsaCa, hash: 'SHA-1', uris: [IDS.frontend] });
});
afterAll(async () => {
  for (const sidecar of sidecars) await sidecar.close();
  await upstream?.close();
  pki?.cleanup();
});

async function start(ciphers?: string): Promise<RunningSidecar> {
  const tls = { cert: pki.server.cert, key: pki.server.key, clientCa: join(pki.dir, 'bundle.pem'), ...(ciphers ? { ciphers } : {}) };
  const sidecar = await startSidecar(pki, { upstreamUrl: upstream.url, listener: { tls } });
  sidecars.push(sidecar);
  return sidecar;
}

// The client must lower its own security level to even load a SHA-1 certificate.
const CLIENT_SECLEVEL_0 = { ciphers: 'DEFAULT@SECLEVEL=0' };

test('default settings: refused at the handshake', async () => {
  const sidecar = await start();
  const result = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: sha1.certPem, key: sha1.keyPem, ...CLIENT_SECLEVEL_0 });
  expect(result.ok).toBe(false);
  expect(upstream.received).toHaveLength(0);
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { result: 'failure' })).toBe(1);
});

test('OpenSSL security level lowered: the policy still refuses, 403 weak_signature_algorithm', async () => {
  const sidecar = await start('ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0');
  const agent = mtlsAgent(pki, sha1, CLIENT_SECLEVEL_0);
  const response = await call(`${sidecar.url}/public/x`, agent);
  await agent.close();
  expect(response.status).toBe(403);
  expect(response.json()['reason']).toBe('weak_signature_algorithm');
  expect(upstream.received).toHaveLength(0);
});
