// Every reason code Palisade emits, in one table. The same string appears in the denial body,
// the `reason` metric label and the audit log line; the README documents each one and a unit
// test keeps the README and this table in step.
//
// `status` is the HTTP status when the reason denies a request. `always` marks reasons that
// deny even in report mode: the request cannot be forwarded faithfully (a path we cannot
// normalize), so "report only" has nothing safe to forward.

export interface ReasonInfo {
  readonly status: number;
  /** The `error` field of the JSON denial body. */
  readonly error: 'bad_request' | 'request_timeout' | 'unauthorized' | 'forbidden' | 'bad_gateway' | 'gateway_timeout' | 'payload_too_large' | 'service_unavailable' | 'request_header_fields_too_large' | 'too_many_requests' | 'internal_error';
  readonly always?: boolean;
  /** Sent as Retry-After (seconds) with the denial: the refusal is about load, not the request. */
  readonly retryAfterSeconds?: number;
  readonly description: string;
}

export const REASONS = {
  // TLS handshake (counted in palisade_tls_handshakes_total; the peer never gets an HTTP response)
  no_client_cert: { status: 401, error: 'unauthorized', description: 'The peer sent no client certificate.' },
  unknown_ca: { status: 401, error: 'unauthorized', description: 'The client certificate does not chain to the trust bundle.' },
  cert_expired: { status: 401, error: 'unauthorized', description: 'The peer certificate (or one in its chain) has expired.' },
  cert_not_yet_valid: { status: 401, error: 'unauthorized', description: 'The peer certificate is not valid yet.' },
  cert_revoked: { status: 401, error: 'unauthorized', description: 'The peer certificate is revoked by a configured CRL.' },
  cert_invalid: { status: 401, error: 'unauthorized', description: 'The peer certificate chain failed verification for another reason (bad signature, malformed).' },
  weak_key: { status: 403, error: 'forbidden', description: 'The peer key, or the key of an intermediate it sent, is weaker than policy allows.' },
  weak_signature_algorithm: { status: 403, error: 'forbidden', description: 'The peer certificate, or an intermediate it sent, is signed with SHA-1, MD5 or another refused algorithm.' },
  cert_not_client_auth: { status: 403, error: 'forbidden', description: 'The peer certificate is not for client authentication: its extendedKeyUsage lacks clientAuth (refused at the handshake) or it has no extendedKeyUsage extension (403).' },
  cert_is_ca: { status: 403, error: 'forbidden', description: 'The peer certificate is a CA certificate, not a workload leaf: basicConstraints CA:true (critical or not), or keyUsage keyCertSign or cRLSign.' },
  cert_key_usage_invalid: { status: 403, error: 'forbidden', description: 'The peer certificate breaks a leaf key-usage rule: keyUsage without digitalSignature; on an X509-SVID also keyUsage missing or not critical, or extendedKeyUsage without both serverAuth and clientAuth.' },
  cert_lifetime_too_long: { status: 403, error: 'forbidden', description: 'The peer certificate lives longer than policy allows.' },
  tls_version_not_allowed: { status: 403, error: 'forbidden', description: 'The peer offered no TLS version that policy allows.' },
  cipher_not_allowed: { status: 403, error: 'forbidden', description: 'The peer offered no cipher suite that policy allows.' },
  handshake_failed: { status: 400, error: 'bad_request', description: 'The TLS handshake failed for a reason not listed above (malformed ClientHello, internal error).' },
  handshake_timeout: { status: 400, error: 'bad_request', description: 'The peer did not finish the TLS handshake in time.' },
  client_disconnected: { status: 400, error: 'bad_request', description: 'The peer closed the connection during the handshake.' },

  // Identity and routing
  bad_spiffe_id: { status: 403, error: 'forbidden', description: 'The peer certificate has a malformed SPIFFE ID, more than one, or none where one is required.' },
  identity_not_allowed: { status: 403, error: 'forbidden', description: 'The peer identity is not allowed on the matched route.' },
  route_not_found: { status: 403, error: 'forbidden', description: 'No configured route matches the method and normalized path.' },
  path_not_normalized: { status: 400, error: 'bad_request', always: true, description: 'The path cannot be normalized safely (encoded slash or backslash, NUL, bad percent-encoding, not origin-form), or strict mode refuses a path that needed normalizing.' },
  malformed_request: { status: 400, error: 'bad_request', always: true, description: 'The HTTP request could not be parsed (bad header, oversized header block, bad framing), or it repeats a field that must be single (Host, Authorization, a Signature-Input label...).' },
  too_many_headers: { status: 431, error: 'request_header_fields_too_large', always: true, description: 'The request carries more header fields than server.maxHeaderCount.' },
  header_not_allowed: { status: 400, error: 'bad_request', always: true, description: 'A header name with "_" folds onto a header the sidecar sets, strips or reads, or headers.underscores is reject.' },
  request_timeout: { status: 408, error: 'request_timeout', always: true, description: 'The peer did not send its request in time: headers within server.headersTimeoutMs, the whole request within server.requestTimeoutMs, no pause in the body longer than server.bodyIdleTimeoutMs, and the body no slower than server.minBodyBytesPerSecond.' },
  body_too_large: { status: 413, error: 'payload_too_large', always: true, description: 'The request body is larger than the configured limit.' },

  // Tokens and signatures
  token_missing: { status: 401, error: 'unauthorized', description: 'No bearer token was sent.' },
  token_invalid: { status: 401, error: 'unauthorized', description: 'The token is malformed or its signature does not verify.' },
  token_expired: { status: 401, error: 'unauthorized', description: 'The token has expired.' },
  token_lifetime_too_long: { status: 401, error: 'unauthorized', description: 'The token lives longer than policy allows.' },
  token_revoked: { status: 401, error: 'unauthorized', description: 'The token jti is on the denylist.' },
  wrong_audience: { status: 401, error: 'unauthorized', description: 'The token audience is not this service.' },
  unknown_issuer: { status: 401, error: 'unauthorized', description: 'The token issuer is not configured.' },
  insufficient_scope: { status: 403, error: 'forbidden', description: 'The token lacks a scope the route requires.' },
  token_overprivileged: { status: 403, error: 'forbidden', description: 'The token grants more scopes than the caller can ever need.' },
  token_not_bound: { status: 401, error: 'unauthorized', description: 'Policy requires a certificate-bound token and this one is not bound.' },
  token_binding_mismatch: { status: 401, error: 'unauthorized', description: 'The token is bound to another client certificate, or its subject does not name the mTLS peer.' },
  token_keys_unavailable: { status: 503, error: 'service_unavailable', description: "The issuer's remote JWKS has never loaded, so no token from it can be verified (fail closed)." },
  token_revocations_unavailable: { status: 503, error: 'service_unavailable', description: "The listener's remote denylist (tokens.denylist.remote) has never loaded, so a revoked token cannot be told from a good one (fail closed). Once a list has loaded, an outage keeps the last good list." },
  signature_missing: { status: 401, error: 'unauthorized', description: 'The route requires an HTTP message signature and none was sent.' },
  signature_invalid: { status: 401, error: 'unauthorized', description: 'The HTTP message signature does not verify.' },
  signature_expired: { status: 401, error: 'unauthorized', description: 'The signature is too old, from the future, or past its expires.' },
  signature_replayed: { status: 401, error: 'unauthorized', description: 'The same signed request was seen before: its nonce, or without one its keyid and signature base (however the signature is encoded).' },
  signature_components_missing: { status: 401, error: 'unauthorized', description: 'The signature does not cover the components policy requires.' },
  unknown_key: { status: 401, error: 'unauthorized', description: 'The signature keyid is not in the key registry.' },
  key_identity_mismatch: { status: 401, error: 'unauthorized', description: 'The signing key belongs to another identity.' },
  digest_mismatch: { status: 401, error: 'unauthorized', description: 'The body does not match its Content-Digest.' },

  // Forwarding
  upstream_unavailable: { status: 502, error: 'bad_gateway', description: 'The upstream app refused the connection, reset it, or is down.' },
  upstream_timeout: { status: 504, error: 'gateway_timeout', description: 'The upstream app did not connect or answer within the configured timeout.' },
  upstream_identity_mismatch: { status: 502, error: 'bad_gateway', description: 'The upstream presented a certificate for another identity.' },

  // Overload protection (src/proxy/admission.ts, src/proxy/connection-limits.ts)
  upstream_overloaded: { status: 503, error: 'service_unavailable', always: true, retryAfterSeconds: 1, description: 'Every app (or egress upstream) connection (upstream.connections) is busy and the request could not wait: the pending queue (upstream.maxPending) was full, or no connection freed within upstream.queueTimeoutMs.' },
  rate_limited: { status: 429, error: 'too_many_requests', description: "The peer identity is over the route's rateLimit (requestsPerSecond, burst): its token bucket is empty. Retry-After gives the whole seconds until its next token; other identities are not affected." },
  identity_overloaded: { status: 429, error: 'too_many_requests', always: true, retryAfterSeconds: 1, description: 'The peer identity already has upstream.maxRequestsPerIdentity requests in flight or queued; other identities are still served.' },
  max_connections: { status: 503, error: 'service_unavailable', description: 'The listener already holds server.maxConnections connections: a new one is closed at accept (counted in palisade_connections_refused_total, no HTTP response).' },
  max_connections_per_address: { status: 503, error: 'service_unavailable', description: 'The peer address already holds server.maxConnectionsPerAddress connections: a new one is closed at accept, before the handshake (no HTTP response).' },
  max_connections_per_identity: { status: 503, error: 'service_unavailable', description: 'The verified peer identity already holds server.maxConnectionsPerIdentity connections: a new one is closed right after the handshake (no HTTP response).' },

  // Egress (the local app's outbound calls, originated over mTLS)
  upstream_not_configured: { status: 403, error: 'forbidden', description: 'The egress request names no configured upstream (Host header or absolute-form target).' },
  upstream_cert_invalid: { status: 502, error: 'bad_gateway', description: "The upstream's certificate chain failed verification against the egress trust bundle (unknown CA, self-signed, expired, not yet valid, bad signature)." },
  token_unavailable: { status: 503, error: 'service_unavailable', always: true, description: 'Egress: the upstream needs an access token and the sidecar has none that is still valid (the token endpoint is down or refuses); the upstream was not called.' },
  upstream_tls_failed: { status: 502, error: 'bad_gateway', description: 'The TLS handshake with the upstream failed: no common protocol version or cipher suite, or the upstream refused the client certificate.' },

  // The sidecar itself
  internal_error: { status: 500, error: 'internal_error', description: 'A bug in the sidecar while handling the request (logged at error with the request id); the connection is closed and the sidecar keeps serving.' },
} as const satisfies Record<string, ReasonInfo>;

export type ReasonCode = keyof typeof REASONS;

export function reasonInfo(code: ReasonCode): ReasonInfo {
  return REASONS[code];
}

/** The reasons a connection cap closes a new connection for (no HTTP response carries them). */
export type ConnectionRefusal = Extract<ReasonCode, 'max_connections' | 'max_connections_per_address' | 'max_connections_per_identity'>;
