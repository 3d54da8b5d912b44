// The verified peer of a new connection, read once per CERTIFICATE instead of once per connection.
//
// A workload reconnects with the same certificate many times (a client without keep-alive, a
// pool that cycles its connections), and everything readPeer() derives (SANs, identity, SHA-256,
// the policy facts, the intermediates' facts) is a function of the certificates it sent and of
// the identity sources: per connection, only the lookup is left (two native fingerprints and a
// Map hit). The key holds the SHA-256 of the leaf's full DER and of each intermediate the peer
// sent, so a changed certificate or a different chain is a miss and is read afresh. Revocation
// and the policy are not cached here: the peer-certificate check compares these facts with the
// CRLs and policy loaded at the time of each request. Which trust bundle CAs issued the chain
// depends on the bundle, so a reload that loads another bundle empties the cache.
import type { X509Certificate } from 'node:crypto';
import type { IdentitySource } from '../core/identity.js';
import { LruCache } from '../core/lru.js';
import { sentIssuerCertificates, type PeerCertFactsCache } from './peer-certificate.js';
import { readPeer, type PeerInfo } from './peer-identity.js';

export class PeerInfoCache {
  private peers: LruCache<string, PeerInfo>;
  /** The trust bundle the cached peers were matched against; a reload with another starts afresh. */
  private anchors: readonly X509Certificate[] | undefined;

  /** `capacity`: distinct (certificate, chain, sources) kept; past it the least recently seen goes. */
  constructor(
    private readonly facts: PeerCertFactsCache,
    private readonly capacity = 4096,
  ) {
    this.peers = new LruCache(capacity);
  }

  read(cert: X509Certificate, sources: readonly IdentitySource[], anchors?: readonly X509Certificate[]): PeerInfo {
    if (anchors !== this.anchors) {
      this.peers = new LruCache(this.capacity);
      this.anchors = anchors;
    }
    const chain = sentIssuerCertificates(cert);
    // Node's fingerprint256 is the SHA-256 of the full DER, computed natively (no JS hashing).
    let key = `${sources.join(',')}|${cert.fingerprint256}`;
    for (const issuer of chain) key += `|${issuer.fingerprint256}`;
    let peer = this.peers.get(key);
    if (!peer) {
      peer = readPeer(cert, sources, this.facts, chain, anchors);
      this.peers.set(key, peer);
    }
    return peer;
  }

  get size(): number {
    return this.peers.size;
  }
}
