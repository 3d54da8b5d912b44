// Server drills, TLS family: impostor client certificates and protocols. The rest of the
// request (token, signature) is genuine, so a refusal is about the certificate.
import { REFUSE_TLS, type ServerScenario } from './server-scenario.js';

export const SERVER_TLS_SCENARIOS = [
  { name: 'no_client_cert', forges: 'no client certificate at all', resistedWhen: REFUSE_TLS, needs: 'tls', clientCert: 'none' },
  { name: 'self_signed_client', forges: 'a self-signed client certificate with the genuine SPIFFE ID', resistedWhen: REFUSE_TLS, needs: 'tls', clientCert: { from: 'self_signed' } },
  {
    name: 'untrusted_ca_client',
    forges: 'the genuine (allowed) SPIFFE ID, issued by a foreign CA',
    resistedWhen: REFUSE_TLS,
    needs: 'tls',
    clientCert: { from: 'foreign_ca' },
  },
  {
    name: 'wrong_identity_client',
    forges: 'a client certificate from the staging CA for an identity the route does not allow',
    resistedWhen: REFUSE_TLS,
    needs: 'tls',
    clientCert: { from: 'staging_ca', names: 'other' },
  },
  { name: 'expired_client', forges: 'the genuine SPIFFE ID from the staging CA, expired yesterday', resistedWhen: REFUSE_TLS, needs: 'tls', clientCert: { from: 'staging_ca', validity: 'expired' } },
  { name: 'ca_as_leaf_client', forges: 'the genuine SPIFFE ID from the staging CA on a CA certificate', resistedWhen: REFUSE_TLS, needs: 'tls', clientCert: { from: 'staging_ca', isCa: true } },
  { name: 'tls10_client', forges: 'the genuine client certificate over TLS 1.0 only', resistedWhen: REFUSE_TLS, needs: 'tls', clientCert: { from: 'genuine' }, protocol: 'tls10' },
] as const satisfies readonly ServerScenario[];
