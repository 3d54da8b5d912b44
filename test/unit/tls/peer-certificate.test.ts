// Certificate facts are computed once per certificate and the policy comparison is pure:
// analysis of real generated certificates, the LRU bound, and an MD5/SHA-1 signature refusal.
import { X509Certificate } from 'node:crypto';
import { expect, test } from 'vitest';
import { peerCertificateFindings } from '../../../src/checks/peer-certificate.js';
import { createCa, createLeaf } from '../../../src/certs/factory.js';
import { analyzePeerCertificate, PeerCertFactsCache } from '../../../src/tls/peer-certificate.js';
import { compilePeerPolicy } from '../../../src/tls/peer-policy.js';
import { LruCache } from '../../../src/core/lru.js';

const policy = compilePeerPolicy({ minRsaBits: 2048, ecCurves: ['P-256', 'P-384'], ed25519: true, requireClientAuth: true, maxLifetime: null, trustDomains: [] }, { pems: [], revoked: new Set() });

test('a SHA-1 signed certificate is weak_signature_algorithm; a P-256/SHA-256 one is clean', async () => {
  const rsaCa = await createCa({ keyType: 'rsa-2048' });
  const sha1 = analyzePeerCertificate(new X509Certificate((await createLeaf({ issuer: rsaCa, hash: 'SHA-1' })).certPem));
  expect(sha1.signature).toEqual({ algorithm: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' });
  expect(peerCertificateFindings(sha1, policy).map((finding) => finding.reason)).toEqual(['weak_signature_algorithm']);
  const good = analyzePeerCertificate(new X509Certificate((await createLeaf({ issuer: await createCa() })).certPem));
  expect(good.key).toEqual({ type: 'ec', curve: 'P-256' });
  expect(peerCertificateFindings(good, policy)).toEqual([]);
});

test('Ed25519 follows the policy', async () => {
  const ca = await createCa();
  const ed = analyzePeerCertificate(new X509Certificate((await createLeaf({ issuer: ca, keyType: 'ed25519' })).certPem));
  expect(peerCertificateFindings(ed, policy)).toEqual([]);
  expect(peerCertificateFindings(ed, { ...policy, ed25519: false }).map((finding) => finding.reason)).toEqual(['weak_key']);
});

test('the facts cache analyses a certificate once', async () => {
  const cert = new X509Certificate((await createLeaf({ issuer: await createCa() })).certPem);
  const cache = new PeerCertFactsCache(2);
  expect(cache.factsFor(cert, 'a')).toBe(cache.factsFor(cert, 'a'));
});

test('the LRU keeps at most its capacity and evicts the least recently used', () => {
  const lru = new LruCache<string, number>(2);
  lru.set('a', 1);
  lru.set('b', 2);
  lru.get('a');
  lru.set('c', 3);
  expect(lru.size).toBe(2);
  expect(lru.get('b')).toBeUndefined();
  expect(lru.get('a')).toBe(1);
});
