// Loading what an egress upstream connection needs: the service's own certificate and key (sent
// as the client certificate), the trust bundle for the upstream's chain, and the protocol and
// cipher policy, validated before anything uses them (same rules as a listener's material).
//
// Kept apart from material.ts (inbound) on purpose: the keys differ (`ca`, not `clientCa`) and
// the result is tls.connect options, not server context options.
import { createSecureContext, type ConnectionOptions, type SecureVersion } from 'node:tls';
import { MaterialError, MaterialProblems, loadCertAndKey, loadTrustBundle, summary, withSecurityLevel, type CertSummary } from './material.js';
import { parseSubjectAltNames } from './subject-alt-names.js';

export interface UpstreamTlsMaterial {
  /** Handed to tls.connect (through undici's connector); never includes identity checks. */
  readonly connectOptions: ConnectionOptions;
  readonly client: CertSummary;
  readonly trustAnchors: readonly CertSummary[];
  /** The service's own SPIFFE ID, as the upstream will see it. */
  readonly clientUri?: string;
}

/** `egress[].upstreams[].tls` as validated by the config schema (file paths relative to the config's directory). */
export interface UpstreamTlsSettings {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
  readonly ciphers: string;
  readonly serverName?: string | undefined;
}

/** `prefix` is the upstream's key path, e.g. `egress[0].upstreams[1]`. Throws MaterialError. */
export function loadUpstreamTls(config: { readonly tls: UpstreamTlsSettings }, baseDir: string, prefix: string, now = new Date()): UpstreamTlsMaterial {
  const tls = config.tls;
  // Both files are checked even when the first fails: `validate` reports them all at once.
  const problems = new MaterialProblems();
  const own = problems.attempt(() => loadCertAndKey(`${prefix}.tls.cert`, `${prefix}.tls.key`, baseDir, tls.cert, tls.key, now));
  const bundle = problems.attempt(() => loadTrustBundle(`${prefix}.tls.ca`, baseDir, tls.ca));
  if (!own || !bundle) {
    problems.throwIfAny();
    throw new MaterialError(`${prefix}.tls`, 'could not be loaded');
  }
  const { certPem, keyPem, leaf } = own;
  const { pem: caPem, anchors } = bundle;

  const connectOptions: ConnectionOptions = {
    cert: certPem,
    key: keyPem,
    ca: caPem,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    // Same pinned security level as inbound: the upstream policy decides, with a precise reason.
    ciphers: withSecurityLevel(tls.ciphers),
    // Never false: an unverified upstream chain must never receive a request.
    rejectUnauthorized: true,
    ...(tls.serverName ? { servername: tls.serverName } : {}),
  };
  try {
    createSecureContext(connectOptions);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? '';
    const keyPath = /cipher/i.test(message) ? `${prefix}.tls.ciphers` : `${prefix}.tls`;
    throw new MaterialError(keyPath, `OpenSSL refused the material: ${message}`);
  }
  const clientUri = parseSubjectAltNames(leaf.subjectAltName).uris[0];
  return { connectOptions, client: summary(leaf), trustAnchors: anchors.map(summary), clientUri };
}
