// The peer certificate against the listener's TLS policy: key strength, signature algorithm,
// clientAuth EKU, the leaf / X509-SVID rules, total lifetime, revocation by the CRLs loaded NOW,
// the chain's expiry (leaf, intermediates, trust anchor) by the clock NOW, the trust anchor by the
// bundle loaded NOW, and the key strength and signatures of the intermediates the peer sent.
//
// The facts were computed once per certificate (src/tls/peer-certificate.ts); this compares
// them with the current policy per request, which is a few property reads and one Set lookup.
// Revocation is checked here as well as at the handshake because a resumed TLS session skips
// OpenSSL's chain verification, and a keep-alive connection outlives a CRL update.
import type { Check } from './types.js';
import type { Finding } from '../core/findings.js';
import { EKU_CLIENT_AUTH, type IssuerFacts, type PeerCertFacts } from '../tls/peer-certificate.js';
import type { PeerCertPolicy } from '../tls/peer-policy.js';
import type { PeerInfo } from '../tls/peer-identity.js';
import { certificateProblems, issuerProblems } from '../tls/certificate-rules.js';

const NAME = 'peer-certificate';

function finding(reason: Finding['reason'], detail: string): Finding {
  return { check: NAME, reason, severity: 'deny', detail };
}

export function peerCertificateFindings(facts: PeerCertFacts, policy: PeerCertPolicy, issuers: readonly IssuerFacts[] = []): Finding[] {
  const findings: Finding[] = [];
  // Revocation first: it is the one an attacker holding a stolen key cares about.
  if (policy.revocation.revoked.has(facts.revocationKey)) findings.push(finding('cert_revoked', 'listed in a configured CRL'));
  // An intermediate revoked by its CA's CRL: OpenSSL checks the whole chain against the CRLs at a
  // full handshake (Node sets CRL_CHECK_ALL), but a kept-alive connection outlives a CRL update.
  for (const issuer of issuers) {
    if (policy.revocation.revoked.has(issuer.revocationKey)) findings.push(finding('cert_revoked', `intermediate ${issuer.subject} is listed in a configured CRL`));
  }
  // OpenSSL already refuses an EKU that lacks clientAuth (INVALID_PURPOSE at the handshake);
  // a certificate with no EKU extension at all passes OpenSSL, so it is refused here.
  if (policy.requireClientAuth && !facts.extendedKeyUsages?.includes(EKU_CLIENT_AUTH)) {
    findings.push(finding('cert_not_client_auth', facts.extendedKeyUsages === null ? 'no extendedKeyUsage extension' : 'extendedKeyUsage lacks clientAuth'));
  }
  for (const problem of certificateProblems(facts, policy)) findings.push(finding(problem.rule, problem.detail));
  for (const problem of issuerProblems(issuers, policy)) findings.push(finding(problem.rule, problem.detail));
  return findings;
}

/**
 * The findings depend only on the certificate's facts, the intermediates the peer sent with it,
 * and the policy (CRLs included), all immutable and replaced whole (a reload compiles a new
 * policy; issuer facts are cached per certificate, so the same chain yields the same objects):
 * compute them once per (policy, certificate, chain), not per request. The chain is part of the
 * key because one leaf can arrive with different intermediates (a cross-signed CA). Weak keys:
 * an old policy or an unseen certificate costs nothing once it is gone.
 */
interface CachedFindings {
  readonly issuers: readonly IssuerFacts[];
  readonly findings: readonly Finding[];
}

/** Chains remembered per certificate and policy; a peer cycling through more is just computed. */
const MAX_CHAINS_PER_CERTIFICATE = 4;

const findingsByPolicy = new WeakMap<PeerCertPolicy, WeakMap<PeerCertFacts, CachedFindings[]>>();

const sameChain = (a: readonly IssuerFacts[], b: readonly IssuerFacts[]) => a.length === b.length && a.every((issuer, index) => issuer === b[index]);

function cachedFindings(facts: PeerCertFacts, policy: PeerCertPolicy, issuers: readonly IssuerFacts[]): readonly Finding[] {
  let byFacts = findingsByPolicy.get(policy);
  if (!byFacts) {
    byFacts = new WeakMap();
    findingsByPolicy.set(policy, byFacts);
  }
  let entries = byFacts.get(facts);
  if (!entries) {
    entries = [];
    byFacts.set(facts, entries);
  }
  const hit = entries.find((entry) => sameChain(entry.issuers, issuers));
  if (hit) return hit.findings;
  const findings = Object.freeze(peerCertificateFindings(facts, policy, issuers));
  if (entries.length < MAX_CHAINS_PER_CERTIFICATE) entries.push({ issuers: [...issuers], findings });
  return findings;
}

const REUSED = 'notAfter has passed since the handshake (a kept-alive connection or a resumed session)';
const EXPIRED = finding('cert_expired', REUSED);
const UNANCHORED = finding('unknown_ca', 'no CA in the trust bundle issued the certificate chain of this connection');
const DISTRUSTED = finding('unknown_ca', 'the clientCa CA this connection was verified through is no longer in the trust bundle (a reload removed it)');

/**
 * OpenSSL checks the chain at a full handshake only: a keep-alive connection, or a session
 * resumed from a ticket, outlives the dates of the peer's certificate, of the intermediates it
 * sent and of the trust anchor its chain ends at, and a reload that takes that anchor out of the
 * bundle. So the clock and the bundle loaded now are compared on every request (one clock read,
 * a few comparisons, a Map lookup per anchor key: one, usually).
 */
function chainProblem(peer: PeerInfo, policy: PeerCertPolicy, now: number): Finding | undefined {
  if (peer.validTo.getTime() <= now) return EXPIRED;
  const issuer = peer.issuersExpiry;
  if (issuer !== undefined && issuer.at <= now) return finding('cert_expired', `intermediate ${issuer.subject}: ${REUSED}`);
  const keys = peer.anchorKeys;
  if (keys === undefined || policy.anchors === undefined) return undefined;
  // Fail closed: no CA of the bundle issued the chain read from this connection. OpenSSL never
  // lets that through a full handshake; a session resumed under ticket keys older than the
  // bundle would skip the handshake's verification, and lands here.
  if (keys.length === 0) return UNANCHORED;
  let anchor: { readonly notAfter: number; readonly subject: string } | undefined;
  for (const key of keys) {
    const held = policy.anchors.get(key);
    if (held && (!anchor || held.notAfter > anchor.notAfter)) anchor = held;
  }
  if (!anchor) return DISTRUSTED;
  if (anchor.notAfter <= now) return finding('cert_expired', `trust anchor ${anchor.subject}: ${REUSED}`);
  return undefined;
}

export const peerCertificateCheck: Check = {
  name: NAME,
  run(request): readonly Finding[] {
    const facts = request.peer.certificate;
    // Fail closed: a peer whose certificate was never analyzed has not passed the policy.
    if (!facts) return [finding('cert_invalid', 'peer certificate was not analyzed')];
    const findings = cachedFindings(facts, request.peerPolicy, request.peer.issuers ?? []);
    const problem = chainProblem(request.peer, request.peerPolicy, Date.now());
    return problem ? [...findings, problem] : findings;
  },
};
