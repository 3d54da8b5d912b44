// Revoking an intermediate CA is not skipped by connection reuse either. A client sends its leaf
// and the intermediate above it; a reload adds the root's CRL listing that intermediate. The
// kept-alive connection opened before the reload gets 401 cert_revoked naming the intermediate,
// and a new full handshake is refused by OpenSSL, which checks the whole chain against the CRLs.
import { expect, test } from 'vitest';
import { createCa, createCrl, type IssuedCert } from '../../src/certs/factory.js';
import { loadConfigObject } from '../../src/config/load.js';
import { keepAliveGet, openTls12, tryHandshake } from '../helpers/client.js';
import { IDS, type CertFiles, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import { sidecarConfig, type RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let intermediate: IssuedCert;
let client: CertFiles;
let clientCa: string;

const tls = (crl: string[]) => ({ tls: { cert: pki.server.cert, key: pki.server.key, clientCa, crl } });

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    intermediate = await createCa({ commonName: 'Partner Issuing CA', issuer: pki.ca });
    const leaf = await pki.issue('under-partner-ca', { uris: [IDS.frontend], issuer: intermediate });
    client = { ...leaf, certPem: leaf.certPem + intermediate.certPem };
    // With any CRL configured, OpenSSL wants one from every issuing CA: the intermediate is in
    // clientCa so that its own (empty) CRL can be loaded next to the root's.
    clientCa = pki.write('root-and-partner.pem', pki.ca.certPem + intermediate.certPem);
    return { listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa } } };
  },
});

test('a reload whose CRL revokes the intermediate of a kept-alive connection → 401 cert_revoked naming it', async () => {
  const kept = await openTls12(sidecar.port, pki, client);
  expect((await keepAliveGet(kept)).status).toBe(200);

  const rootCrl = pki.write('root.crl.pem', (await createCrl({ issuer: pki.ca, revoked: [intermediate] })).pem);
  const partnerCrl = pki.write('partner.crl.pem', (await createCrl({ issuer: intermediate })).pem);
  const next = loadConfigObject(sidecarConfig(pki, { upstreamUrl: upstream.url, listener: tls([rootCrl, partnerCrl]) }), pki.dir);
  if (!next.ok) throw new Error(next.errors.join('\n'));
  sidecar.sidecar.reload(next.value);

  const answer = await keepAliveGet(kept);
  kept.destroy();
  expect(answer.status).toBe(401);
  expect(JSON.parse(answer.body)['reason']).toBe('cert_revoked');
  const line = sidecar.logs.requests().at(-1) as { reasons: Array<{ reason: string; detail: string }> };
  expect(line.reasons.map((found) => found.detail)).toContain('intermediate CN=Partner Issuing CA is listed in a configured CRL');
  expect((await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: client.certPem, key: client.keyPem, maxVersion: 'TLSv1.2' })).ok).toBe(false);
  expect(upstream.received).toHaveLength(1);
});
