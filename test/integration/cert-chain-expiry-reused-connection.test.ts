// Expiry of the CAs above a client certificate is not skipped by connection reuse either. OpenSSL
// compares the whole chain's validity periods at a full handshake only, so on a connection
// opened while they were valid, the per-request check refuses once either of these has passed:
// - the notAfter of an intermediate the client sent with its certificate;
// - the notAfter of the clientCa root its chain ends at.
// Both get 401 cert_expired naming the CA, nothing more reaches the app, and a new full handshake
// is refused by OpenSSL. (The leaf's own expiry: cert-expiry-reused-connection.test.ts.)
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCa } from '../../src/certs/factory.js';
import { keepAliveGet, openTls12, tryHandshake } from '../helpers/client.js';
import { IDS, makePki, type CertFiles, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
const sidecars: RunningSidecar[] = [];

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
});
afterAll(async () => {
  for (const sidecar of sidecars) await sidecar.close();
  await upstream?.close();
  pki?.cleanup();
});

async function sidecarTrusting(clientCa: string): Promise<RunningSidecar> {
  const sidecar = await startSidecar(pki, { upstreamUrl: upstream.url, listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa } } });
  sidecars.push(sidecar);
  return sidecar;
}

test('an intermediate and a root that expire under kept-alive connections → 401 cert_expired naming each', async () => {
  // X.509 times have whole seconds: both CAs end 3 s from now, rounded down; the leaves live a day.
  const notAfter = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_000);
  const intermediate = await createCa({ commonName: 'Short-Lived Intermediate', issuer: pki.ca, notAfter });
  const underIntermediate = await pki.issue('under-short-intermediate', { uris: [IDS.frontend], issuer: intermediate });
  const sendsChain: CertFiles = { ...underIntermediate, certPem: underIntermediate.certPem + intermediate.certPem };
  const root = await createCa({ commonName: 'Short-Lived Root', notAfter });
  const underRoot = await pki.issue('under-short-root', { uris: [IDS.frontend], issuer: root });

  const viaIntermediate = await sidecarTrusting(pki.caPath);
  const viaRoot = await sidecarTrusting(pki.write('short-root.pem', root.certPem));
  const cases = [
    { sidecar: viaIntermediate, client: sendsChain, ca: 'intermediate CN=Short-Lived Intermediate' },
    { sidecar: viaRoot, client: underRoot, ca: 'trust anchor CN=Short-Lived Root' },
  ];
  const connections = await Promise.all(cases.map(({ sidecar, client }) => openTls12(sidecar.port, pki, client)));
  for (const connection of connections) expect((await keepAliveGet(connection)).status).toBe(200);

  await sleep(notAfter.getTime() - Date.now() + 1_100);

  for (const [index, { sidecar, client, ca }] of cases.entries()) {
    const answer = await keepAliveGet(connections[index]!);
    connections[index]!.destroy();
    expect(answer.status, ca).toBe(401);
    expect(JSON.parse(answer.body)['reason']).toBe('cert_expired');
    const line = sidecar.logs.requests().at(-1) as { reasons: Array<{ reason: string; detail: string }> };
    expect(line.reasons.find((found) => found.reason === 'cert_expired')?.detail).toBe(`${ca}: notAfter has passed since the handshake (a kept-alive connection or a resumed session)`);
    // A full handshake now: OpenSSL itself refuses the chain.
    const fresh = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: client.certPem, key: client.keyPem, maxVersion: 'TLSv1.2' });
    expect(fresh.ok, ca).toBe(false);
  }
  expect(upstream.received).toHaveLength(2);
});
