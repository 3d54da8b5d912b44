// The peer certificate against the listener's TLS policy: key strength, signature algorithm,
// clientAuth EKU, not a CA, total lifetime, and revocation by the CRLs loaded NOW.
//
// The facts were computed once per certificate (src/tls/peer-certificate.ts); this compares
// them with the current policy per request, which is a few property reads and one Set lookup.
// Revocation is checked here as well as at the handshake because a resumed TLS session skips
// OpenSSL's chain verification, and a keep-alive connection outlives a CRL update.
import type { Check, Finding } from '../pipeline/types.js';
import { EKU_CLIENT_AUTH, type PeerCertFacts } from '../tls/peer-certificate.js';
import type { PeerCertPolicy } from '../tls/peer-policy.js';
import { certificateProblems } from '../tls/certificate-rules.js';

const NAME = 'peer-certificate';

function finding(reason: Finding['reason'], detail: string): Finding {
  return { check: NAME, reason, severity: 'deny', detail };
}

export function peerCertificateFindings(facts: PeerCertFacts, policy: PeerCertPolicy): Finding[] {
  const findings: Finding[] = [];
  // Revocation first: it is the one an attacker holding a stolen key cares about.
  if (policy.revocation.revoked.has(facts.revocationKey)) findings.push(finding('cert_revoked', 'listed in a configured CRL'));
  // OpenSSL already refuses an EKU that lacks clientAuth (INVALID_PURPOSE at the handshake);
  // a certificate with no EKU extension at all passes OpenSSL, so it is refused here.
  if (policy.requireClientAuth && !facts.extendedKeyUsages?.includes(EKU_CLIENT_AUTH)) {
    findings.push(finding('cert_not_client_auth', facts.extendedKeyUsages === null ? 'no extendedKeyUsage extension' : 'extendedKeyUsage lacks clientAuth'));
  }
  for (const problem of certificateProblems(facts, policy)) findings.push(finding(problem.rule, problem.detail));
  return findings;
}

/**
 * The findings depend only on the certificate's facts and the policy (CRLs included), both
 * immutable and both replaced whole (a reload compiles a new policy): compute them once per
 * certificate and policy, not per request. Weak keys: an old policy or an unseen certificate
 * costs nothing once it is gone.
 */
const findingsByPolicy = new WeakMap<PeerCertPolicy, WeakMap<PeerCertFacts, readonly Finding[]>>();

function cachedFindings(facts: PeerCertFacts, policy: PeerCertPolicy): readonly Finding[] {
  let byFacts = findingsByPolicy.get(policy);
  if (!byFacts) {
    byFacts = new WeakMap();
    findingsByPolicy.set(policy, byFacts);
  }
  let findings = byFacts.get(facts);
  if (!findings) {
    findings = Object.freeze(peerCertificateFindings(facts, policy));
    byFacts.set(facts, findings);
  }
  return findings;
}

export const peerCertificateCheck: Check = {
  name: NAME,
  run(request): readonly Finding[] {
    const facts = request.peer.certificate;
    // Fail closed: a peer whose certificate was never analyzed has not passed the policy.
    if (!facts) return [finding('cert_invalid', 'peer certificate was not analyzed')];
    return cachedFindings(facts, request.peerPolicy);
  },
};
