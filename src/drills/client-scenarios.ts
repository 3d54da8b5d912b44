// Client drills: impostor TLS servers, each forging one thing, that the client under test
// connects to. A client that completes the handshake and sends a request is vulnerable; one
// that aborts resisted. The baseline (the genuine certificate) must get a request first.
import type { CertificateSpec } from './impostor-certs.js';
import type { ScenarioInfo } from './scenario.js';

export interface ClientScenario extends ScenarioInfo {
  /** `plaintext` speaks HTTP with no TLS on the port; otherwise a TLS server with this certificate. */
  readonly certificate: CertificateSpec | 'none';
  /** Only TLS 1.0 offered (and a cipher list OpenSSL's default security level would refuse). */
  readonly protocol?: 'tls10';
  /** Whether the impostor asks for a client certificate, as the genuine mesh peer does. */
  readonly requestClientCert: boolean;
}

const REFUSE = 'the client aborts the handshake or closes the connection without sending a request';

export const CLIENT_BASELINE: ClientScenario = {
  name: 'baseline',
  forges: 'nothing: the genuine server certificate',
  resistedWhen: 'the client completes a request (the drill can see it)',
  certificate: { from: 'genuine' },
  requestClientCert: true,
};

export const CLIENT_SCENARIOS = [
  { name: 'self_signed', forges: 'a self-signed certificate with the right names', resistedWhen: REFUSE, certificate: { from: 'self_signed' }, requestClientCert: true },
  {
    name: 'untrusted_ca',
    forges: 'the right names and SPIFFE ID, issued by a CA the client does not trust',
    resistedWhen: REFUSE,
    certificate: { from: 'foreign_ca' },
    requestClientCert: true,
  },
  {
    name: 'wrong_identity',
    forges: 'a certificate from the staging CA for another SPIFFE ID and host name',
    resistedWhen: REFUSE,
    certificate: { from: 'staging_ca', names: 'other' },
    requestClientCert: true,
  },
  { name: 'expired', forges: 'the right names from the staging CA, expired yesterday', resistedWhen: REFUSE, certificate: { from: 'staging_ca', validity: 'expired' }, requestClientCert: true },
  {
    name: 'not_yet_valid',
    forges: 'the right names from the staging CA, valid only from tomorrow',
    resistedWhen: REFUSE,
    certificate: { from: 'staging_ca', validity: 'not_yet_valid' },
    requestClientCert: true,
  },
  { name: 'weak_key', forges: 'the right names from the staging CA with an RSA-1024 key', resistedWhen: REFUSE, certificate: { from: 'staging_ca', keyType: 'rsa-1024' }, requestClientCert: true },
  { name: 'sha1_signature', forges: 'the right names from the staging CA, signed with SHA-1', resistedWhen: REFUSE, certificate: { from: 'staging_ca', hash: 'SHA-1' }, requestClientCert: true },
  { name: 'ca_as_leaf', forges: 'the right names from the staging CA on a CA certificate (basicConstraints CA:true)', resistedWhen: REFUSE, certificate: { from: 'staging_ca', isCa: true }, requestClientCert: true },
  {
    name: 'no_server_auth_eku',
    forges: 'the right names from the staging CA, extendedKeyUsage clientAuth only',
    resistedWhen: REFUSE,
    certificate: { from: 'staging_ca', extendedKeyUsages: ['clientAuth'] },
    requestClientCert: true,
  },
  { name: 'downgrade_tls10', forges: 'the genuine certificate, but only TLS 1.0 offered', resistedWhen: REFUSE, certificate: { from: 'genuine' }, protocol: 'tls10', requestClientCert: true },
  { name: 'plaintext', forges: 'no TLS at all on the TLS port: plain HTTP', resistedWhen: 'the client does not send a plaintext HTTP request', certificate: 'none', requestClientCert: false },
  {
    name: 'no_client_cert_request',
    forges: 'the genuine certificate, but the server does not ask for a client certificate (no mTLS)',
    resistedWhen: 'the client refuses a peer that does not ask for mTLS (informational: most clients cannot tell)',
    certificate: { from: 'genuine' },
    requestClientCert: false,
    informational: true,
  },
] as const satisfies readonly ClientScenario[];

export type ClientScenarioName = (typeof CLIENT_SCENARIOS)[number]['name'];
export const CLIENT_SCENARIO_NAMES = CLIENT_SCENARIOS.map((scenario) => scenario.name) as [ClientScenarioName, ...ClientScenarioName[]];
