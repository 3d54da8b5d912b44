// A refused TLS handshake gets a precise reason, not one opaque error.
//
// Node's server verifies the client chain in JS right after the handshake and destroys the
// socket; OpenSSL's verify result survives on `authorizationError`, so we read it there.
import type { TLSSocket } from 'node:tls';
import type { ReasonCode } from '../pipeline/reasons.js';

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

export function classifyHandshakeError(error: Error & { code?: string }, socket: TLSSocket | undefined): HandshakeFailure {
  const verifyError = socket?.authorizationError;
  if (verifyError) {
    const code = String(verifyError);
    return { reason: VERIFY_ERRORS[code] ?? 'cert_invalid', detail: code };
  }
  const code = error.code ?? 'unknown';
  const mapped = OPENSSL_ERRORS[code];
  if (mapped) return { reason: mapped, detail: code };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { reason: 'client_disconnected', detail: code };
  return { reason: 'handshake_failed', detail: code };
}
