// The verified peer's identity, read once per connection from its certificate.
//
// getPeerX509Certificate() costs ~20 µs; a connection carries many requests, so the inbound
// listener calls readPeer() once at secureConnection and keeps the result on the socket.
import { createHash, type X509Certificate } from 'node:crypto';
import { sentIssuerCertificates, type IssuerFacts, type PeerCertFacts, type PeerCertFactsCache } from './peer-certificate.js';
import { anchorKey } from './peer-policy.js';
import type { IdentitySource, PeerIdentity } from '../core/identity.js';
import { parseSpiffeId } from '../core/spiffe.js';
import { commonName, parseSubjectAltNames, type SubjectAltNames } from './subject-alt-names.js';

export interface PeerInfo {
  /** The identity, when the certificate yields one under the configured sources. */
  readonly identity?: PeerIdentity;
  /** Why no identity could be read (a malformed or duplicate SPIFFE ID, say). */
  readonly identityProblem?: string;
  readonly subject: string;
  readonly sans: SubjectAltNames;
  /** Hex SHA-256 of the certificate's DER: the XFCC `Hash` and the RFC 8705 thumbprint's source. */
  readonly sha256: string;
  readonly validTo: Date;
  readonly serialNumber: string;
  /**
   * Key, signature, EKU, CA flag, lifetime, revocation key: what the TLS policy checks. Always
   * set by readPeer(); optional only so hand-built PeerInfo in tests need not fake it. The
   * peer-certificate check refuses a peer without it.
   */
  readonly certificate?: PeerCertFacts;
  /** The intermediates the peer sent (their keys and signatures), nearest first. */
  readonly issuers?: readonly IssuerFacts[];
  /** The intermediate the peer sent that expires first, if it sent any: notAfter (ms) and subject. */
  readonly issuersExpiry?: { readonly at: number; readonly subject: string };
  /**
   * The keys (anchorKey) of the trust bundle CAs the peer's chain ends at, as the bundle was
   * when the connection was made (empty: none of its CAs issued the chain): the per-request
   * check refuses the connection once none of them is in the bundle any more, or once they have
   * expired. Absent when no bundle was given (hand-built peers).
   */
  readonly anchorKeys?: readonly string[];
}

function looksLikeSpiffe(uri: string): boolean {
  // Case-insensitive on purpose: `SPIFFE://...` is a look-alike that must be refused, not ignored.
  return uri.slice(0, 7).toLowerCase() === 'spiffe:';
}

/**
 * The CAs of `anchors` that issued the highest certificate of `chain` (leaf first) that one of
 * them issued (name, key identifiers and signature, as OpenSSL matches an issuer), by key. From
 * the top down, so a chain that ends at a root is tied to the root, not to an intermediate the
 * bundle also holds; a lower match covers a chain OpenSSL completed from the bundle instead of
 * the certificates sent. One signature check per candidate, once per certificate chain.
 */
function issuingAnchors(chain: readonly X509Certificate[], anchors: readonly X509Certificate[]): string[] {
  for (let index = chain.length - 1; index >= 0; index -= 1) {
    const cert = chain[index] as X509Certificate;
    const keys = new Set<string>();
    for (const anchor of anchors) {
      if (cert.checkIssued(anchor) && cert.verify(anchor.publicKey)) keys.add(anchorKey(anchor));
    }
    if (keys.size > 0) return [...keys];
  }
  return [];
}

/**
 * `chain`: the intermediates the peer sent, when the caller has walked them already.
 * `anchors`: the listener's trust bundle, to record which of its CAs the chain ends at.
 */
export function readPeer(
  cert: X509Certificate,
  sources: readonly IdentitySource[],
  facts: PeerCertFactsCache,
  chain: readonly X509Certificate[] = sentIssuerCertificates(cert),
  anchors?: readonly X509Certificate[],
): PeerInfo {
  const sans = parseSubjectAltNames(cert.subjectAltName);
  const sha256 = createHash('sha256').update(cert.raw).digest('hex');
  const issuers = facts.issuersFor(cert, chain);
  let issuersExpiry: PeerInfo['issuersExpiry'];
  for (const issuer of issuers) if (!issuersExpiry || issuer.notAfter < issuersExpiry.at) issuersExpiry = { at: issuer.notAfter, subject: issuer.subject };
  const base = {
    // An X509-SVID may have an empty subject (its SAN then critical); Node reports none at all.
    subject: cert.subject ?? '',
    sans,
    sha256,
    certificate: facts.factsFor(cert, sha256),
    issuers,
    ...(issuersExpiry ? { issuersExpiry } : {}),
    ...(anchors ? { anchorKeys: issuingAnchors([cert, ...chain], anchors) } : {}),
    validTo: new Date(cert.validTo),
    serialNumber: cert.serialNumber,
  };
  const resolved = resolveIdentity(cert, sans, sources);
  return { ...base, ...resolved };
}

function resolveIdentity(
  cert: X509Certificate,
  sans: SubjectAltNames,
  sources: readonly IdentitySource[],
): { identity: PeerIdentity } | { identityProblem: string } {
  for (const source of sources) {
    if (source === 'spiffe') {
      const candidates = sans.uris.filter(looksLikeSpiffe);
      if (candidates.length > 1) return { identityProblem: `certificate has ${candidates.length} SPIFFE IDs; exactly one is allowed` };
      if (candidates.length === 1) {
        const parsed = parseSpiffeId(candidates[0] as string);
        // A malformed SPIFFE ID never falls through to DNS or CN: that would be a bypass.
        if (!parsed.ok) return { identityProblem: `malformed SPIFFE ID: ${parsed.problem}` };
        return { identity: { kind: 'spiffe', value: parsed.value.id, spiffe: parsed.value } };
      }
    } else if (source === 'dns') {
      const name = sans.dnsNames[0];
      if (name) return { identity: { kind: 'dns', value: name.toLowerCase() } };
    } else {
      const cn = commonName(cert.subject);
      if (cn) return { identity: { kind: 'cn', value: cn } };
    }
  }
  return { identityProblem: `certificate has no identity under sources [${sources.join(', ')}]` };
}

/** A label-safe, human-readable form of the identity for logs. */
export function identityString(peer: PeerInfo | undefined): string | undefined {
  if (!peer?.identity) return undefined;
  const id = peer.identity;
  return id.kind === 'spiffe' ? id.value : `${id.kind}:${id.value}`;
}
