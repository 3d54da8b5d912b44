// A listener's peer-certificate policy, compiled from `inbound[].tls.peer` and the loaded CRLs.
// Built with the rest of the TLS material, so a reload swaps policy and CRLs together.
import type { X509Certificate } from 'node:crypto';
import type { CertificateStrength, CertificateStrengthSettings } from './certificate-rules.js';
import type { RevocationList } from './crl.js';

export interface PeerCertPolicy extends CertificateStrength {
  readonly requireClientAuth: boolean;
  /** null: any trust domain. */
  readonly trustDomains: ReadonlySet<string> | null;
  readonly revocation: RevocationList;
  /**
   * The trust bundle's CAs by subject (as Node prints it), each with the latest notAfter among
   * the CAs of that name: a renewed root next to the old one keeps a chain valid. Absent in
   * hand-built policies: then no anchor expiry is compared.
   */
  readonly anchorsNotAfter?: ReadonlyMap<string, number>;
}

/** `inbound[].tls.peer` as validated by the config schema. */
export interface PeerCertPolicySettings extends CertificateStrengthSettings {
  readonly requireClientAuth: boolean;
  readonly trustDomains: readonly string[];
}

export function compilePeerPolicy(config: PeerCertPolicySettings, revocation: RevocationList, anchors: readonly X509Certificate[] = []): PeerCertPolicy {
  const anchorsNotAfter = new Map<string, number>();
  for (const anchor of anchors) {
    const notAfter = Date.parse(anchor.validTo);
    anchorsNotAfter.set(anchor.subject, Math.max(notAfter, anchorsNotAfter.get(anchor.subject) ?? -Infinity));
  }
  return {
    minRsaBits: config.minRsaBits,
    ecCurves: new Set(config.ecCurves),
    ed25519: config.ed25519,
    requireClientAuth: config.requireClientAuth,
    // Compiled once, at load (config/schema.ts).
    maxLifetimeMs: config.maxLifetime === null ? null : config.maxLifetime.ms,
    trustDomains: config.trustDomains.length > 0 ? new Set(config.trustDomains) : null,
    revocation,
    anchorsNotAfter,
  };
}
