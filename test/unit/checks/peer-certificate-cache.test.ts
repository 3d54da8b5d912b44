// The peer-certificate check remembers its findings per certificate AND per policy: a reload
// that adds a CRL compiles a new policy, and the same certificate must then be refused at once,
// while the old policy's answer stays what it was. Checks with nothing to do answer synchronously.
import { X509Certificate } from 'node:crypto';
import { expect, test } from 'vitest';
import { peerCertificateCheck } from '../../../src/checks/peer-certificate.js';
import { signatureCheck } from '../../../src/checks/signature.js';
import { tokenCheck } from '../../../src/checks/token.js';
import { createCa, createLeaf } from '../../../src/certs/factory.js';
import { RequestFacts } from '../../../src/checks/facts.js';
import type { RoutedRequest } from '../../../src/checks/types.js';
import { analyzePeerCertificate, type PeerCertFacts } from '../../../src/tls/peer-certificate.js';
import { compilePeerPolicy, type PeerCertPolicy } from '../../../src/tls/peer-policy.js';

const config = { minRsaBits: 2048, ecCurves: ['P-256', 'P-384'] as Array<'P-256' | 'P-384'>, ed25519: true, requireClientAuth: true, maxLifetime: null, trustDomains: [] };

function request(facts: PeerCertFacts, peerPolicy: PeerCertPolicy): RoutedRequest {
  return {
    requestId: 'r',
    listener: 'l',
    method: 'GET',
    target: '/',
    headers: {},
    peer: { subject: 'CN=x', sans: { uris: [], dnsNames: [], ipAddresses: [], emails: [] } as never, sha256: '00', validTo: new Date(Date.now() + 3_600_000), serialNumber: '01', certificate: facts },
    peerPolicy,
    facts: new RequestFacts(),
    route: { name: 'r', methods: null, pattern: { source: '/**', segments: [], rest: true }, mode: 'enforce', allow: [] },
    forwardPath: '/',
  };
}

test('a new policy with a CRL listing the certificate refuses it; the old policy still does not', async () => {
  const ca = await createCa();
  const facts = analyzePeerCertificate(new X509Certificate((await createLeaf({ issuer: ca })).certPem));
  const before = compilePeerPolicy(config, { pems: [], revoked: new Set() });
  const after = compilePeerPolicy(config, { pems: [], revoked: new Set([facts.revocationKey]) });
  expect(peerCertificateCheck.run(request(facts, before))).toEqual([]);
  // Asked twice: the second answer comes from the cache and is the same.
  expect(peerCertificateCheck.run(request(facts, before))).toEqual([]);
  expect((peerCertificateCheck.run(request(facts, after)) as readonly { reason: string }[]).map((finding) => finding.reason)).toEqual(['cert_revoked']);
  expect(peerCertificateCheck.run(request(facts, before))).toEqual([]);
});

test('a certificate without analyzed facts is still refused (fail closed)', () => {
  const policy = compilePeerPolicy(config, { pems: [], revoked: new Set() });
  const bare = { ...request({} as PeerCertFacts, policy), peer: { ...request({} as PeerCertFacts, policy).peer, certificate: undefined } };
  expect((peerCertificateCheck.run(bare) as readonly { reason: string }[]).map((finding) => finding.reason)).toEqual(['cert_invalid']);
});

test('token and signature checks answer synchronously on a listener without tokens or signatures', async () => {
  const ca = await createCa();
  const facts = analyzePeerCertificate(new X509Certificate((await createLeaf({ issuer: ca })).certPem));
  const plain = request(facts, compilePeerPolicy(config, { pems: [], revoked: new Set() }));
  const token = tokenCheck.run(plain);
  const signature = signatureCheck.run(plain);
  expect(token).not.toBeInstanceOf(Promise);
  expect(signature).not.toBeInstanceOf(Promise);
  expect(token).toEqual([]);
  expect(signature).toEqual([]);
});
