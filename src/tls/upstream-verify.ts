// The identity an egress upstream must prove, checked inside the TLS handshake.
//
// Node calls `checkServerIdentity` after OpenSSL has verified the chain against the trust
// bundle and before the socket is handed to undici, so a failed check destroys the connection
// before a single request byte is written. A custom check replaces Node's hostname check, so
// this function is the whole of "is this the upstream we meant": SPIFFE ID, DNS name, SPKI pin,
// each only when configured, all that are configured must hold.
import { X509Certificate, createHash } from 'node:crypto';
import { checkServerIdentity as nodeCheckServerIdentity, type PeerCertificate } from 'node:tls';
import { parseSpiffeId } from './spiffe.js';
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

/** A tls.connect `checkServerIdentity` that enforces `expected` and ignores the host name. */
export function upstreamIdentityCheck(expected: ExpectedUpstreamIdentity): (hostname: string, cert: PeerCertificate) => Error | undefined {
  return (_hostname, cert) => {
    let problem: string | undefined;
    try {
      problem = upstreamIdentityProblem(expected, new X509Certificate(cert.raw), cert);
    } catch {
      problem = 'certificate could not be parsed';
    }
    return problem === undefined ? undefined : new UpstreamIdentityError(problem);
  };
}
