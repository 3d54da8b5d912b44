// Every finding id the probe emits, with its severity, title and fix, in one table: the README
// documents each one and a unit test keeps the two in step. Checks add the `detail`.
import type { Finding, Severity } from '../report/findings.js';
import { CIPHER_WEAKNESSES, type CipherWeakness } from './cipher-suites.js';
import type { CheckName } from './types.js';

interface FindingInfo {
  readonly check: CheckName;
  readonly severity: Severity;
  readonly title: string;
  readonly fix: string;
}

const cipherRows = Object.fromEntries(
  (Object.entries(CIPHER_WEAKNESSES) as Array<[CipherWeakness, (typeof CIPHER_WEAKNESSES)[CipherWeakness]]>).map(([id, info]) => [id, { check: 'ciphers' as const, ...info }]),
) as Record<CipherWeakness, FindingInfo>;

export const PROBE_FINDINGS = {
  // protocols
  tls10_accepted: { check: 'protocols', severity: 'medium', title: 'TLS 1.0 accepted (deprecated by RFC 8996)', fix: 'set the minimum protocol version to TLS 1.2' },
  tls11_accepted: { check: 'protocols', severity: 'medium', title: 'TLS 1.1 accepted (deprecated by RFC 8996)', fix: 'set the minimum protocol version to TLS 1.2' },
  tls12_tls13_not_supported: { check: 'protocols', severity: 'high', title: 'neither TLS 1.2 nor TLS 1.3 is accepted', fix: 'enable TLS 1.2 and TLS 1.3' },
  tls13_not_supported: { check: 'protocols', severity: 'low', title: 'TLS 1.3 not accepted', fix: 'enable TLS 1.3 (OpenSSL 1.1.1 and later support it)' },
  fallback_scsv_not_honoured: { check: 'protocols', severity: 'medium', title: 'TLS_FALLBACK_SCSV ignored: a downgraded handshake is accepted', fix: 'update the TLS library; every maintained one honours RFC 7507' },
  // ciphers
  ...cipherRows,
  cipher_no_aead_forward_secrecy: { check: 'ciphers', severity: 'medium', title: 'no AEAD cipher suite with forward secrecy accepted', fix: 'offer ECDHE with AES-GCM or ChaCha20-Poly1305' },
  cipher_order_client: { check: 'ciphers', severity: 'low', title: 'the server follows the client\'s cipher order', fix: 'enforce the server\'s order (nginx: ssl_prefer_server_ciphers on; Node: honorCipherOrder)' },
  // certificate
  cert_untrusted: { check: 'certificate', severity: 'critical', title: 'the certificate chain does not verify against the trust bundle', fix: 'serve a chain issued by a CA in the clients\' bundle (probe with --ca for a private CA)' },
  chain_incomplete: { check: 'certificate', severity: 'medium', title: 'the server does not send the intermediate certificates', fix: 'serve the leaf followed by every intermediate' },
  chain_out_of_order: { check: 'certificate', severity: 'low', title: 'the chain is not sent in issuer order', fix: 'serve leaf, then its issuer, then that issuer\'s issuer' },
  chain_includes_root: { check: 'certificate', severity: 'info', title: 'the chain includes the self-signed root', fix: 'omit the root: clients must already have it, sending it wastes bytes' },
  cert_expired: { check: 'certificate', severity: 'critical', title: 'the certificate has expired', fix: 'renew the certificate and fix the renewal job' },
  cert_not_yet_valid: { check: 'certificate', severity: 'critical', title: 'the certificate is not valid yet', fix: 'check the issuer\'s and the server\'s clocks; reissue' },
  cert_expiring_soon: { check: 'certificate', severity: 'medium', title: 'little of the certificate\'s lifetime is left', fix: 'renew now; renewal should happen by two thirds of the lifetime' },
  cert_lifetime_too_long: { check: 'certificate', severity: 'medium', title: 'the certificate lives longer than --max-lifetime', fix: 'issue shorter-lived certificates and automate rotation' },
  weak_key: { check: 'certificate', severity: 'high', title: 'weak certificate key', fix: 'use RSA 2048+ or an EC P-256/P-384 or Ed25519 key' },
  weak_signature_algorithm: { check: 'certificate', severity: 'high', title: 'the certificate is signed with a broken hash', fix: 'reissue signed with SHA-256 or better' },
  cert_missing_server_auth: { check: 'certificate', severity: 'high', title: 'the certificate\'s extendedKeyUsage lacks serverAuth', fix: 'reissue with extendedKeyUsage serverAuth' },
  cert_is_ca: { check: 'certificate', severity: 'medium', title: 'the server certificate is a CA certificate (basicConstraints CA:true)', fix: 'issue an end-entity certificate (CA:false) for the server' },
  cert_name_mismatch: { check: 'certificate', severity: 'high', title: 'the certificate is not valid for the server name', fix: 'reissue with the name in subjectAltName (or probe with the right --servername)' },
  identity_mismatch: { check: 'certificate', severity: 'critical', title: 'the certificate does not carry the expected identity', fix: 'serve the certificate of the expected workload identity' },
  spiffe_id_malformed: { check: 'certificate', severity: 'high', title: 'the certificate carries a malformed SPIFFE ID', fix: 'issue an SVID with exactly one canonical spiffe:// URI SAN' },
  spiffe_id_multiple: { check: 'certificate', severity: 'high', title: 'the certificate carries more than one SPIFFE ID', fix: 'issue an SVID with exactly one spiffe:// URI SAN' },
  cert_no_revocation_info: { check: 'certificate', severity: 'low', title: 'the certificate names no CRL or OCSP responder', fix: 'add a CRL distribution point or OCSP URL, or keep lifetimes short enough that revocation is moot' },
  // mtls
  mtls_not_required: { check: 'mtls', severity: 'critical', title: 'the server accepts connections without a client certificate', fix: 'require and verify client certificates in the TLS handshake (Node: requestCert and rejectUnauthorized; nginx: ssl_verify_client on)' },
  accepts_untrusted_client_cert: { check: 'mtls', severity: 'critical', title: 'the server accepts a client certificate from an untrusted, self-made CA', fix: 'verify client certificates against the CA bundle (Node: rejectUnauthorized: true)' },
  accepts_expired_client_cert: { check: 'mtls', severity: 'critical', title: 'the server accepts an expired client certificate', fix: 'verify client certificate validity (do not ignore the verification result)' },
  accepts_client_cert_without_client_auth: { check: 'mtls', severity: 'high', title: 'the server accepts a client certificate whose extendedKeyUsage lacks clientAuth', fix: 'verify the client certificate\'s purpose (OpenSSL does with a verified chain)' },
  mtls_baseline_refused: { check: 'mtls', severity: 'medium', title: 'the baseline client certificate (--cert/--key) was refused: mTLS results are inconclusive', fix: 'probe with a certificate the server should accept' },
  mtls_no_baseline: { check: 'mtls', severity: 'info', title: 'no baseline client certificate: refusals cannot be told from a server that refuses everyone', fix: 'probe with --cert/--key of a client the server should accept' },
  // http
  plaintext_accepted: { check: 'http', severity: 'high', title: 'the TLS port also serves plaintext HTTP', fix: 'serve only TLS on this port' },
  resumption_skips_client_auth: { check: 'http', severity: 'critical', title: 'a resumed session is accepted where its full handshake was refused', fix: 'keep the client-certificate verification result in the session, or disable resumption' },
  client_renegotiation_accepted: { check: 'http', severity: 'low', title: 'client-initiated renegotiation accepted (a cheap CPU denial of service)', fix: 'disable client-initiated renegotiation (Node: tlsSocket.disableRenegotiation(); nginx refuses it)' },
  insecure_renegotiation: { check: 'http', severity: 'high', title: 'secure renegotiation (RFC 5746) not supported', fix: 'update the TLS library' },
  tls_compression: { check: 'http', severity: 'high', title: 'TLS compression enabled (CRIME)', fix: 'disable TLS compression' },
} as const satisfies Record<string, FindingInfo>;

export type ProbeFindingId = keyof typeof PROBE_FINDINGS;

/** A finding with its table row; `severity` overrides the default where the evidence warrants. */
export function finding(id: ProbeFindingId, detail: string, severity?: Severity): Finding {
  const info = PROBE_FINDINGS[id];
  return { check: info.check, id, severity: severity ?? info.severity, title: info.title, detail, fix: info.fix };
}
