// The identity an egress upstream must prove, checked inside the TLS handshake.
//
// Node calls `checkServerIdentity` after OpenSSL has verified the chain against the trust
// bundle and before the socket is handed to undici, so a failed check destroys the connection
// before a single request byte is written. A custom check replaces Node's hostname check, so
// this function is the whole of "is this the upstream we meant": SPIFFE ID, DNS name, SPKI pin,
// each only when configured, all that are configured must hold; then the certificate policy
// (key strength, signature algorithm, serverAuth usage, the leaf / X509-SVID rules, lifetime) as inbound applies.
import { X509Certificate, createHash } from 'node:crypto';
import { checkServerIdentity as nodeCheckServerIdentity, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';
import { certificateProblems, issuerProblems, type CertificateStrength, type CertificateStrengthSettings } from './certificate-rules.js';
import { EKU_SERVER_AUTH, type IssuerFacts, type PeerCertFacts, type PeerCertFactsCache } from './peer-certificate.js';
import { parseSpiffeId } from '../core/spiffe.js';
import { parseSubjectAltNames } from './subject-alt-names.js';

export interface ExpectedUpstreamIdentity {
  readonly spiffeId?: string | undefined;
  readonly dnsName?: string | undefined;
  readonly spkiSha256?: readonly string[] | undefined;
}

/** The error a refused identity carries through undici; classified as upstream_identity_mismatch. */
export class UpstreamIdentityError extends Error {
  readonly code = 'ERR_PALISADE_UPSTREAM_IDENTITY';
}

/** Base64 SHA-256 of the certificate's SubjectPublicKeyInfo (the HPKP / curl --pinnedpubkey form). */
export function spkiSha256(cert: X509Certificate): string {
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** Why `cert` is not the expected upstream, or undefined when it is. */
export function upstreamIdentityProblem(expected: ExpectedUpstreamIdentity, cert: X509Certificate, legacy?: PeerCertificate): string | undefined {
  if (expected.spiffeId !== undefined) {
    // Case-insensitive scheme on purpose: `SPIFFE://…` is a look-alike that counts as a second ID.
    const candidates = parseSubjectAltNames(cert.subjectAltName).uris.filter((uri) => uri.slice(0, 7).toLowerCase() === 'spiffe:');
    if (candidates.length !== 1) return `expected exactly one SPIFFE ID, the certificate has ${candidates.length}`;
    const parsed = parseSpiffeId(candidates[0] as string);
    if (!parsed.ok) return `malformed SPIFFE ID: ${parsed.problem}`;
    if (parsed.value.id !== expected.spiffeId) return `SPIFFE ID ${parsed.value.id} is not ${expected.spiffeId}`;
  }
  if (expected.dnsName !== undefined) {
    // Node's own RFC 6125 matching (wildcards, IP SANs); it needs the legacy certificate object.
    const error = legacy ? nodeCheckServerIdentity(expected.dnsName, legacy) : new Error('no certificate details');
    if (error) return `certificate is not valid for DNS name ${expected.dnsName}`;
  }
  if (expected.spkiSha256 !== undefined) {
    const actual = spkiSha256(cert);
    if (!expected.spkiSha256.includes(actual)) return `public key pin sha256/${actual} is not pinned`;
  }
  return undefined;
}

/** The error a certificate that breaks the upstream policy carries; classified as upstream_cert_invalid. */
export class UpstreamCertPolicyError extends Error {
  readonly code = 'ERR_PALISADE_UPSTREAM_CERT_POLICY';
}

export interface UpstreamCertPolicy extends CertificateStrength {
  readonly requireServerAuth: boolean;
}

/** `egress[].upstreams[].tls.peer` as validated by the config schema. */
export interface UpstreamCertPolicySettings extends CertificateStrengthSettings {
  readonly requireServerAuth: boolean;
}

export function compileUpstreamCertPolicy(config: UpstreamCertPolicySettings): UpstreamCertPolicy {
  return {
    minRsaBits: config.minRsaBits,
    ecCurves: new Set(config.ecCurves),
    ed25519: config.ed25519,
    // Compiled once, at load (config/schema.ts).
    maxLifetimeMs: config.maxLifetime === null ? null : config.maxLifetime.ms,
    requireServerAuth: config.requireServerAuth,
  };
}

/** Why the upstream's certificate (or an intermediate it sent) breaks the policy ("rule: detail"), or undefined. */
export function upstreamCertificateProblem(policy: UpstreamCertPolicy, facts: PeerCertFacts, issuers: readonly IssuerFacts[] = []): string | undefined {
  if (policy.requireServerAuth && !facts.extendedKeyUsages?.includes(EKU_SERVER_AUTH)) {
    return `cert_not_server_auth: ${facts.extendedKeyUsages === null ? 'no extendedKeyUsage extension' : 'extendedKeyUsage lacks serverAuth'}`;
  }
  const problem = certificateProblems(facts, policy)[0] ?? issuerProblems(issuers, policy)[0];
  return problem ? `${problem.rule}: ${problem.detail}` : undefined;
}

/** The intermediates the upstream sent, from the detailed certificate tls.connect hands over. */
function upstreamIssuers(cert: PeerCertificate, cache: PeerCertFactsCache): IssuerFacts[] {
  // checkServerIdentity receives getPeerCertificate(true): the chain hangs off issuerCertificate.
  const detailed = cert as DetailedPeerCertificate;
  if (!detailed.issuerCertificate?.raw) return [];
  return cache.issuersFor(new X509Certificate(cert.raw), chainOf(detailed));
}

function chainOf(cert: DetailedPeerCertificate): X509Certificate[] {
  const out: X509Certificate[] = [];
  let current = cert;
  for (let depth = 0; depth < 8; depth += 1) {
    const issuer = current.issuerCertificate;
    if (!issuer?.raw || issuer === current || issuer.fingerprint256 === current.fingerprint256) break;
    const parsed = new X509Certificate(issuer.raw);
    if (parsed.checkIssued(parsed)) break;
    out.push(parsed);
    current = issuer;
  }
  return out;
}

/**
 * A tls.connect `checkServerIdentity` that enforces `expected` (and ignores the host name) and
 * the certificate policy, both before a request byte is written. Upstream connections are
 * pooled, so this runs once per connection; `facts` caches analyses by certificate hash.
 */
export function upstreamCheck(
  expected: ExpectedUpstreamIdentity,
  policy: UpstreamCertPolicy,
  facts: PeerCertFactsCache,
): (hostname: string, cert: PeerCertificate) => Error | undefined {
  return (_hostname, cert) => {
    try {
      const x509 = new X509Certificate(cert.raw);
      const identity = upstreamIdentityProblem(expected, x509, cert);
      if (identity !== undefined) return new UpstreamIdentityError(identity);
      const problem = upstreamCertificateProblem(policy, facts.factsFor(x509, createHash('sha256').update(x509.raw).digest('hex')), upstreamIssuers(cert, facts));
      return problem === undefined ? undefined : new UpstreamCertPolicyError(problem);
    } catch {
      return new UpstreamIdentityError('certificate could not be parsed');
    }
  };
}
