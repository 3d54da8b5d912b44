// A client certificate listed in a configured CRL (tls.crl, PEM or DER) is refused at the
// handshake as cert_revoked; an unrevoked certificate from the same CA still passes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCrl } from '../../src/certs/factory.js';
import { call, mtlsAgent, tryHandshake } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, makePki, type CertFiles, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let revoked: CertFiles;
const sidecars: RunningSidecar[] = [];

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  revoked = await pki.issue('revoked', { uris: [IDS.frontend] });
  const crl = await createCrl({ issuer: pki.ca, revoked: [revoked.issued] });
  writeFileSync(join(pki.dir, 'ca.crl.pem'), crl.pem);
  writeFileSync(join(pki.dir, 'ca.crl'), crl.der);
});
afterAll(async () => {
  for (const sidecar of sidecars) await sidecar.close();
  await upstream?.close();
  pki?.cleanup();
});

test.each([['PEM', 'ca.crl.pem'], ['DER', 'ca.crl']])('%s CRL: revoked → handshake refused as cert_revoked; others pass', async (_format, file) => {
  const sidecar = await startSidecar(pki, {
    upstreamUrl: upstream.url,
    listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath, crl: [join(pki.dir, file)] } },
  });
  sidecars.push(sidecar);
  for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
    const result = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: revoked.certPem, key: revoked.keyPem, maxVersion });
    expect(result.ok).toBe(false);
  }
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { result: 'failure', reason: 'cert_revoked' })).toBe(2);
  const agent = mtlsAgent(pki, pki.frontend);
  const response = await call(`${sidecar.url}/public/x`, agent);
  await agent.close();
  expect(response.status).toBe(200);
});
