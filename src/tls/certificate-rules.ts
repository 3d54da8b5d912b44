// The certificate rules both directions share: key strength, signature algorithm, the leaf /
// X509-SVID rules (not a CA, key usages, one URI SAN: leaf-rules.ts), total lifetime. The inbound peer-certificate check and the egress upstream verifier each add
// what is theirs (client vs server usage, revocation, trust domains) around these.
import type { CompiledDuration } from '../core/duration.js';
import type { LeafRule } from './leaf-rules.js';
import type { IssuerFacts, PeerCertFacts, PeerKey } from './peer-certificate.js';

export interface CertificateStrength {
  readonly minRsaBits: number;
  readonly ecCurves: ReadonlySet<string>;
  readonly ed25519: boolean;
  readonly maxLifetimeMs: number | null;
}

/**
 * The strength rules as the config states them (`tls.peer`, `upstreams[].tls.peer`; validated
 * by config/schema.ts). Declared here by shape so that tls/ does not depend on the config layer.
 */
export interface CertificateStrengthSettings {
  readonly minRsaBits: number;
  readonly ecCurves: readonly string[];
  readonly ed25519: boolean;
  /** Compiled at load ("24h", "30d"), or null for no limit. */
  readonly maxLifetime: CompiledDuration | null;
}

export type CertificateRule = 'weak_key' | 'weak_signature_algorithm' | LeafRule | 'cert_lifetime_too_long';

const REFUSED_HASHES = new Set(['SHA-1', 'MD5']);

function keyProblem(facts: PeerCertFacts, rules: CertificateStrength): string | undefined {
  return keyWeakness(facts.key, rules);
}

function keyWeakness(key: PeerKey, rules: CertificateStrength): string | undefined {
  switch (key.type) {
    case 'rsa':
      return key.bits < rules.minRsaBits ? `RSA ${key.bits}-bit key; at least ${rules.minRsaBits} required` : undefined;
    case 'ec':
      return rules.ecCurves.has(key.curve) ? undefined : `EC key on ${key.curve}; allowed: ${[...rules.ecCurves].join(', ') || 'none'}`;
    case 'ed25519':
      return rules.ed25519 ? undefined : 'Ed25519 keys are not allowed';
    case 'other':
      return `${key.name} keys are not allowed`;
  }
}

function signatureProblem(facts: PeerCertFacts): string | undefined {
  return signatureWeakness(facts.signature);
}

/** Why a certificate signature is refused (an unknown algorithm, SHA-1 or MD5), or undefined. */
export function signatureWeakness(signature: PeerCertFacts['signature']): string | undefined {
  if ('unrecognized' in signature) return `unrecognized signature algorithm (${signature.unrecognized})`;
  if (signature.hash && REFUSED_HASHES.has(signature.hash.toUpperCase())) return `signed with ${signature.algorithm} over ${signature.hash}`;
  return undefined;
}

/** Every rule `facts` breaks, with what exactly is wrong. */
export function certificateProblems(facts: PeerCertFacts, rules: CertificateStrength): Array<{ rule: CertificateRule; detail: string }> {
  const problems: Array<{ rule: CertificateRule; detail: string }> = [];
  const key = keyProblem(facts, rules);
  if (key) problems.push({ rule: 'weak_key', detail: key });
  const signature = signatureProblem(facts);
  if (signature) problems.push({ rule: 'weak_signature_algorithm', detail: signature });
  problems.push(...facts.leafProblems);
  if (rules.maxLifetimeMs !== null && facts.lifetimeMs > rules.maxLifetimeMs) {
    problems.push({ rule: 'cert_lifetime_too_long', detail: `lifetime ${Math.round(facts.lifetimeMs / 3_600_000)}h exceeds ${Math.round(rules.maxLifetimeMs / 3_600_000)}h` });
  }
  return problems;
}

/**
 * The intermediates the peer sent sign its leaf: a weak key or a SHA-1 signature among them
 * weakens the leaf as much as its own would (an RSA-1024 intermediate passes OpenSSL's
 * security level 1). Self-signed anchors are not listed (see sentIssuers).
 */
export function issuerProblems(issuers: readonly IssuerFacts[], rules: CertificateStrength): Array<{ rule: 'weak_key' | 'weak_signature_algorithm'; detail: string }> {
  const problems: Array<{ rule: 'weak_key' | 'weak_signature_algorithm'; detail: string }> = [];
  for (const issuer of issuers) {
    const key = keyWeakness(issuer.key, rules);
    if (key) problems.push({ rule: 'weak_key', detail: `intermediate ${issuer.subject}: ${key}` });
    const signature = signatureWeakness(issuer.signature);
    if (signature) problems.push({ rule: 'weak_signature_algorithm', detail: `intermediate ${issuer.subject}: ${signature}` });
  }
  return problems;
}
