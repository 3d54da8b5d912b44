// A reconnecting peer is read once per certificate: the same certificate yields the same
// PeerInfo without analysing it again; another certificate, other identity sources or a full
// cache read afresh; a cached peer is still refused once its certificate is revoked; and the
// trust bundle CA that issued the chain is recorded by key, a new bundle reading peers afresh.
import { X509Certificate } from 'node:crypto';
import { expect, test } from 'vitest';
import { peerCertificateFindings } from '../../../src/checks/peer-certificate.js';
import { createCa, createLeaf } from '../../../src/certs/factory.js';
import { PeerCertFactsCache, type PeerCertFacts } from '../../../src/tls/peer-certificate.js';
import { PeerInfoCache } from '../../../src/tls/peer-cache.js';
import { anchorKey, compilePeerPolicy } from '../../../src/tls/peer-policy.js';

/** The real facts cache, counting the analyses it runs. */
class CountingFacts extends PeerCertFactsCache {
  analyses = 0;

  override factsFor(cert: X509Certificate, sha256: string): PeerCertFacts {
    this.analyses += 1;
    return super.factsFor(cert, sha256);
  }
}

const policySettings = { minRsaBits: 2048, ecCurves: ['P-256' as const], ed25519: true, requireClientAuth: true, maxLifetime: null, trustDomains: [] };

test('the same certificate is read once; the cached peer is the one readPeer built', async () => {
  const ca = await createCa();
  const pem = (await createLeaf({ issuer: ca, uris: ['spiffe://example.org/ns/a/sa/client'] })).certPem;
  const facts = new CountingFacts();
  const cache = new PeerInfoCache(facts);
  // Two X509Certificate objects for one DER: what two connections with one certificate give.
  const first = cache.read(new X509Certificate(pem), ['spiffe']);
  const second = cache.read(new X509Certificate(pem), ['spiffe']);
  expect(second).toBe(first);
  expect(facts.analyses).toBe(1);
  expect(first.identity).toMatchObject({ kind: 'spiffe', value: 'spiffe://example.org/ns/a/sa/client' });
  expect(first.sha256).toBe(new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase());
});

test('another certificate with the same identity, or other identity sources, is read afresh', async () => {
  const ca = await createCa();
  const uris = ['spiffe://example.org/ns/a/sa/client'];
  const one = new X509Certificate((await createLeaf({ issuer: ca, uris, dnsNames: ['client.example.org'] })).certPem);
  const rotated = new X509Certificate((await createLeaf({ issuer: ca, uris, dnsNames: ['client.example.org'] })).certPem);
  const cache = new PeerInfoCache(new PeerCertFactsCache());
  const a = cache.read(one, ['spiffe']);
  const b = cache.read(rotated, ['spiffe']);
  expect(b).not.toBe(a);
  expect(b.sha256).not.toBe(a.sha256);
  const byDns = cache.read(one, ['dns']);
  expect(byDns.identity).toEqual({ kind: 'dns', value: 'client.example.org' });
  expect(a.identity?.kind).toBe('spiffe');
});

test('the cache is bounded: past its capacity the least recently seen certificate is read again', async () => {
  const ca = await createCa();
  const certs = await Promise.all([0, 1, 2].map(async () => new X509Certificate((await createLeaf({ issuer: ca })).certPem)));
  const facts = new CountingFacts();
  const cache = new PeerInfoCache(facts, 2);
  for (const cert of certs) cache.read(cert, ['cn']);
  expect(cache.size).toBe(2);
  cache.read(certs[2] as X509Certificate, ['cn']);
  expect(facts.analyses).toBe(3);
  cache.read(certs[0] as X509Certificate, ['cn']);
  expect(facts.analyses).toBe(4);
});

test('a cached peer is refused once a CRL loaded later lists its certificate', async () => {
  const ca = await createCa();
  const cert = new X509Certificate((await createLeaf({ issuer: ca, uris: ['spiffe://example.org/ns/a/sa/client'] })).certPem);
  const cache = new PeerInfoCache(new PeerCertFactsCache());
  const peer = cache.read(cert, ['spiffe']);
  const facts = peer.certificate as PeerCertFacts;
  const before = compilePeerPolicy(policySettings, { pems: [], revoked: new Set() });
  expect(peerCertificateFindings(facts, before)).toEqual([]);
  // The same cached facts against a policy with the certificate revoked (a reload with a new CRL).
  const again = cache.read(new X509Certificate(cert.raw), ['spiffe']);
  expect(again).toBe(peer);
  const after = compilePeerPolicy(policySettings, { pems: [], revoked: new Set([facts.revocationKey]) });
  expect(peerCertificateFindings(again.certificate as PeerCertFacts, after).map((finding) => finding.reason)).toEqual(['cert_revoked']);
});

test('the CA that issued the chain is recorded by key, and another trust bundle reads the peer afresh', async () => {
  const ca = await createCa();
  const other = await createCa();
  const pem = (await createLeaf({ issuer: ca, uris: ['spiffe://example.org/ns/a/sa/client'] })).certPem;
  const bundle = [new X509Certificate(other.certPem), new X509Certificate(ca.certPem)];
  const cache = new PeerInfoCache(new PeerCertFactsCache());
  const first = cache.read(new X509Certificate(pem), ['spiffe'], bundle);
  expect(first.anchorKeys).toEqual([anchorKey(new X509Certificate(ca.certPem))]);
  expect(cache.read(new X509Certificate(pem), ['spiffe'], bundle)).toBe(first);
  // A reload loads the bundle again (a new array): the peer is matched against it afresh.
  const reloaded = cache.read(new X509Certificate(pem), ['spiffe'], [new X509Certificate(other.certPem)]);
  expect(reloaded).not.toBe(first);
  expect(reloaded.anchorKeys).toEqual([]);
});
