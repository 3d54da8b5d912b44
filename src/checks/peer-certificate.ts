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

const REFUSED_HASHES = new Set(['SHA-1', 'MD5']);
const NAME = 'peer-certificate';

function finding(reason: Finding['reason'], detail: string): Finding {
  return { check: NAME, reason, severity: 'deny', detail };
}

function keyProblem(facts: PeerCertFacts, policy: PeerCertPolicy): string | undefined {
  const key = facts.key;
  switch (key.type) {
    case 'rsa':
      return key.bits < policy.minRsaBits ? `RSA ${key.bits}-bit key; at least ${policy.minRsaBits} required` : undefined;
    case 'ec':
      return policy.ecCurves.has(key.curve) ? undefined : `EC key on ${key.curve}; allowed: ${[...policy.ecCurves].join(', ') || 'none'}`;
    case 'ed25519':
      return policy.ed25519 ? undefined : 'Ed25519 keys are not allowed';
    case 'other':
      return `${key.name} keys are not allowed`;
  }
}

function signatureProblem(facts: PeerCertFacts): string | undefined {
  const signature = facts.signature;
  if ('unrecognized' in signature) return `unrecognized signature algorithm (${signature.unrecognized})`;
  if (signature.hash && REFUSED_HASHES.has(signature.hash.toUpperCase())) return `signed with ${signature.algorithm} over ${signature.hash}`;
  return undefined;
}

export function peerCertificateFindings(facts: PeerCertFacts, policy: PeerCertPolicy): Finding[] {
  const findings: Finding[] = [];
  // Revocation first: it is the one an attacker holding a stolen key cares about.
  if (policy.revocation.revoked.has(facts.revocationKey)) findings.push(finding('cert_revoked', 'listed in a configured CRL'));
  const key = keyProblem(facts, policy);
  if (key) findings.push(finding('weak_key', key));
  const signature = signatureProblem(facts);
  if (signature) findings.push(finding('weak_signature_algorithm', signature));
  // OpenSSL already refuses an EKU that lacks clientAuth (INVALID_PURPOSE at the handshake);
  // a certificate with no EKU extension at all passes OpenSSL, so it is refused here.
  if (policy.requireClientAuth && !facts.extendedKeyUsages?.includes(EKU_CLIENT_AUTH)) {
    findings.push(finding('cert_not_client_auth', facts.extendedKeyUsages === null ? 'no extendedKeyUsage extension' : 'extendedKeyUsage lacks clientAuth'));
  }
  if (facts.isCa) findings.push(finding('cert_is_ca', 'basicConstraints CA:true on a client certificate'));
  if (policy.maxLifetimeMs !== null && facts.lifetimeMs > policy.maxLifetimeMs) {
    findings.push(finding('cert_lifetime_too_long', `lifetime ${Math.round(facts.lifetimeMs / 3_600_000)}h exceeds ${Math.round(policy.maxLifetimeMs / 3_600_000)}h`));
  }
  return findings;
}

export const peerCertificateCheck: Check = {
  name: NAME,
  run(request): readonly Finding[] {
    const facts = request.peer.certificate;
    // Fail closed: a peer whose certificate was never analyzed has not passed the policy.
    if (!facts) return [finding('cert_invalid', 'peer certificate was not analyzed')];
    return peerCertificateFindings(facts, request.peerPolicy);
  },
};
