// A listener's peer-certificate policy, compiled from `inbound[].tls.peer` and the loaded CRLs.
// Built with the rest of the TLS material, so a reload swaps policy and CRLs together.
import { createHash, type X509Certificate } from 'node:crypto';
import type { CertificateStrength, CertificateStrengthSettings } from './certificate-rules.js';
import type { RevocationList } from './crl.js';

export interface PeerCertPolicy extends CertificateStrength {
  readonly requireClientAuth: boolean;
  /** null: any trust domain. */
  readonly trustDomains: ReadonlySet<string> | null;
  readonly revocation: RevocationList;
  /**
   * The trust bundle's CAs by key (anchorKey), each with the latest notAfter among the CAs of
   * that key and its subject: a renewed root (same key, new dates) next to the old one keeps a
   * chain valid. Absent in hand-built policies: then no anchor is compared.
   */
  readonly anchors?: ReadonlyMap<string, { readonly notAfter: number; readonly subject: string }>;
}

/**
 * A CA's identity for the chains under it: the SHA-256 of its SubjectPublicKeyInfo. What makes a
 * chain valid is a signature by this key; a renewed certificate of the same key is the same anchor.
 */
export function anchorKey(ca: X509Certificate): string {
  return createHash('sha256').update(ca.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}

/** `inbound[].tls.peer` as validated by the config schema. */
export interface PeerCertPolicySettings extends CertificateStrengthSettings {
  readonly requireClientAuth: boolean;
  readonly trustDomains: readonly string[];
}

export function compilePeerPolicy(config: PeerCertPolicySettings, revocation: RevocationList, anchors: readonly X509Certificate[] = []): PeerCertPolicy {
  const byKey = new Map<string, { notAfter: number; subject: string }>();
  for (const anchor of anchors) {
    const key = anchorKey(anchor);
    const notAfter = Date.parse(anchor.validTo);
    const known = byKey.get(key);
    if (!known || notAfter > known.notAfter) byKey.set(key, { notAfter, subject: anchor.subject.replace(/\n/g, ',') });
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
    anchors: byKey,
  };
}
