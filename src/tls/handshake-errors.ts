// A refused TLS handshake gets a precise reason, not one opaque error.
//
// Node's server verifies the client chain in JS right after the handshake and destroys the
// socket; OpenSSL's verify result survives on `authorizationError`, so we read it there. That
// code alone is not enough: OpenSSL 3.0 says UNSPECIFIED for a SHA-1-signed leaf and
// INVALID_PURPOSE for an EKU or a keyUsage it dislikes, and other OpenSSL versions say other
// things. So when the certificate the peer sent is known (handshake-observer.ts), a refusal
// that is not about trust (unknown CA, expiry, revocation) is named from what the certificate
// itself shows, with the same rules the policy check applies to certificates that get through.
import type { TLSSocket } from 'node:tls';
import type { ReasonCode } from '../core/reasons.js';
import { certificateProblems, issuerProblems, type CertificateStrength } from './certificate-rules.js';
import { EKU_CLIENT_AUTH, type IssuerFacts, type PeerCertFacts } from './peer-certificate.js';

const VERIFY_ERRORS: Record<string, ReasonCode> = {
  CERT_HAS_EXPIRED: 'cert_expired',
  CERT_NOT_YET_VALID: 'cert_not_yet_valid',
  CERT_REVOKED: 'cert_revoked',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown_ca',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown_ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown_ca',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown_ca',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unknown_ca',
  CERT_UNTRUSTED: 'unknown_ca',
  CERT_CHAIN_TOO_LONG: 'unknown_ca',
  // OpenSSL checks the leaf's purpose against the server's "SSL client" purpose.
  INVALID_PURPOSE: 'cert_not_client_auth',
  // OpenSSL's security level can refuse weak keys and digests before our policy sees them.
  EE_KEY_TOO_SMALL: 'weak_key',
  CA_KEY_TOO_SMALL: 'weak_key',
  CA_MD_TOO_WEAK: 'weak_signature_algorithm',
};

const OPENSSL_ERRORS: Record<string, ReasonCode> = {
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'no_client_cert',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'tls_version_not_allowed',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'tls_version_not_allowed',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'tls_version_not_allowed',
  ERR_SSL_NO_SHARED_CIPHER: 'cipher_not_allowed',
  ERR_TLS_HANDSHAKE_TIMEOUT: 'handshake_timeout',
};

export interface HandshakeFailure {
  readonly reason: ReasonCode;
  /** OpenSSL's code, for the log. */
  readonly detail: string;
}

/** Verify codes that are about the chain's trust or validity period, which the leaf alone cannot overrule. */
const TRUST_REASONS: ReadonlySet<ReasonCode> = new Set(['unknown_ca', 'cert_expired', 'cert_not_yet_valid', 'cert_revoked']);

/** The refused leaf, analysed, and the listener's certificate strength policy. */
export interface RefusedLeaf {
  readonly facts: PeerCertFacts;
  readonly policy: CertificateStrength;
  /** The certificates the peer sent above its leaf (intermediates), nearest first. */
  readonly issuers?: readonly IssuerFacts[];
}

/** The reason the certificate itself gives for a refusal OpenSSL named `code`, if any. */
function leafReason(code: string, leaf: RefusedLeaf): { reason: ReasonCode; detail: string } | undefined {
  const ekus = leaf.facts.extendedKeyUsages;
  const lacksClientAuth = ekus !== null && !ekus.includes(EKU_CLIENT_AUTH);
  if (code === 'INVALID_PURPOSE' && lacksClientAuth) return { reason: 'cert_not_client_auth', detail: 'extendedKeyUsage lacks clientAuth' };
  const problem = certificateProblems(leaf.facts, leaf.policy).find((candidate) => candidate.rule !== 'cert_lifetime_too_long');
  if (problem) return { reason: problem.rule, detail: problem.detail };
  // OpenSSL refuses a SHA-1-signed intermediate the same opaque way as a SHA-1-signed leaf.
  const issuer = issuerProblems(leaf.issuers ?? [], leaf.policy)[0];
  if (issuer) return { reason: issuer.rule, detail: issuer.detail };
  if (lacksClientAuth) return { reason: 'cert_not_client_auth', detail: 'extendedKeyUsage lacks clientAuth' };
  return undefined;
}

/** `verifyError` is the socket's `authorizationError` (OpenSSL's verify code), when there is one. */
export function classifyHandshakeError(error: Error & { code?: string }, verifyError: string | Error | null | undefined, leaf?: RefusedLeaf): HandshakeFailure {
  if (verifyError) {
    const code = String(verifyError);
    const mapped = VERIFY_ERRORS[code] ?? 'cert_invalid';
    // A leaf that is malformed in itself (a duplicated or undecodable extension) is named
    // cert_invalid whatever OpenSSL's chain building made of it ("unknown issuer", often).
    const malformed = leaf?.facts.leafProblems.find((problem) => problem.rule === 'cert_invalid');
    if (malformed) return { reason: 'cert_invalid', detail: `${code}: ${malformed.detail}` };
    if (leaf && !TRUST_REASONS.has(mapped)) {
      const fromLeaf = leafReason(code, leaf);
      if (fromLeaf) return { reason: fromLeaf.reason, detail: `${code}: ${fromLeaf.detail}` };
    }
    return { reason: mapped, detail: code };
  }
  const code = error.code ?? 'unknown';
  const mapped = OPENSSL_ERRORS[code];
  if (mapped) return { reason: mapped, detail: code };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { reason: 'client_disconnected', detail: code };
  return { reason: 'handshake_failed', detail: code };
}

/**
 * OpenSSL errors raised after it parsed the ClientHello's versions: SSL_get_version() then names
 * the agreed version, or for a version refusal the one the client offered. Before that point
 * (plain HTTP, garbage, a reset) it names OpenSSL's own maximum, which would be a lie.
 */
const VERSION_KNOWN_AFTER: ReadonlySet<string> = new Set([
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_NO_SHARED_CIPHER',
  'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
]);

/**
 * The TLS version label of a refused handshake: what the handshake agreed when it got that far
 * (`observed`), else what OpenSSL read from the ClientHello (`socketVersion`, the socket's
 * getProtocol()) for the refusals above, else unknown.
 */
export function refusedHandshakeVersion(error: Error & { code?: string }, observed: string | null | undefined, socketVersion: string | null | undefined): string {
  if (observed) return observed;
  if (!socketVersion || !VERSION_KNOWN_AFTER.has(error.code ?? '')) return 'unknown';
  return socketVersion;
}

/** getProtocol() of a socket that may already have lost its TLS handle. */
export function socketVersion(socket: TLSSocket | undefined): string | null {
  try {
    return socket?.getProtocol?.() ?? null;
  } catch {
    return null;
  }
}
