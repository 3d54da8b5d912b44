// The certificates impostors present, built from a declarative spec so that each scenario in
// a catalogue says only what it forges. Every forged certificate keeps everything else right
// (the genuine names, a current validity, a strong key) so a peer that resists it resisted
// for the forged reason, not an incidental one. badssl.com's catalogue (self-signed,
// untrusted-root, wrong.host, expired, sha1, rsa1024) and nogotofail's selfsigned /
// invalidhostname handlers are the model.
import { X509Certificate } from 'node:crypto';
import type { CertificateIssuer, IssuedCertificate, IssuedHash, IssuedKeyType } from '../core/certificate-issuer.js';
import { parseSubjectAltNames } from '../tls/subject-alt-names.js';
import { parseSpiffeId } from '../core/spiffe.js';

export type CertificateSpec =
  /** The genuine certificate and key from the drill file (baselines, protocol-only forgeries). */
  | { readonly from: 'genuine' }
  /** Right names, signed by its own key. */
  | { readonly from: 'self_signed' }
  /** Right names, issued by a CA the drill makes up on the spot: trusted by nobody. */
  | { readonly from: 'foreign_ca' }
  /** Issued by the staging CA (the drill file's `ca`), with exactly one thing wrong. */
  | {
      readonly from: 'staging_ca';
      readonly names?: 'other';
      readonly validity?: 'expired' | 'not_yet_valid';
      readonly keyType?: IssuedKeyType;
      readonly hash?: IssuedHash;
      readonly isCa?: boolean;
      readonly extendedKeyUsages?: Array<'serverAuth' | 'clientAuth'>;
    };

/** Whether a spec needs the staging CA's private key. */
export function needsStagingCa(spec: CertificateSpec): boolean {
  return spec.from === 'staging_ca';
}

export interface Names {
  readonly uris: string[];
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
}

export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface ImpostorCertContext {
  /** The genuine certificate and key: the names every forgery copies. */
  readonly genuine: PemPair;
  /** The staging CA with its key, when the drill file gives one (loaded by `certificates`). */
  readonly stagingCa?: IssuedCertificate;
  /** Makes the forgeries. */
  readonly certificates: CertificateIssuer;
}

/**
 * What every forged leaf carries unless its scenario forges the usage itself: both serverAuth and
 * clientAuth, as an X509-SVID must (a verifier that enforces the SVID rules would otherwise refuse
 * the forgery for its usage, not for what the scenario forged).
 */
const SVID_USAGES: Array<'serverAuth' | 'clientAuth'> = ['serverAuth', 'clientAuth'];

const HOUR_MS = 3_600_000;

/** The names (SPIFFE ID, DNS names, IPs) of a certificate. */
export function namesOf(certPem: string): Names {
  const sans = parseSubjectAltNames(new X509Certificate(certPem).subjectAltName);
  return { uris: [...sans.uris], dnsNames: [...sans.dnsNames], ipAddresses: [...sans.ipAddresses] };
}

/**
 * Another identity in the same trust domain, and a host name no client is configured for: what
 * a compromised or misissued staging workload certificate looks like to its victim.
 */
export function otherNames(genuine: Names): Names {
  const spiffe = genuine.uris.map(parseSpiffeId).find((parsed) => parsed.ok);
  const trustDomain = spiffe?.ok ? spiffe.value.trustDomain : 'palisade-drill.invalid';
  return { uris: [`spiffe://${trustDomain}/ns/palisade-drill/sa/impostor`], dnsNames: ['impostor.palisade-drill.invalid'], ipAddresses: [] };
}

/** Makes (and caches) the certificates of one drill run; the foreign CA is made once. */
export class ImpostorCertFactory {
  private foreignCa: Promise<IssuedCertificate> | undefined;
  private readonly names: Names;

  constructor(private readonly context: ImpostorCertContext) {
    this.names = namesOf(context.genuine.certPem);
  }

  async build(spec: CertificateSpec): Promise<PemPair> {
    const names = this.names;
    const usages = SVID_USAGES;
    switch (spec.from) {
      case 'genuine':
        return this.context.genuine;
      case 'self_signed':
        return this.context.certificates.createSelfSignedLeaf({ ...names, extendedKeyUsages: usages });
      case 'foreign_ca': {
        this.foreignCa ??= this.context.certificates.createCa({ commonName: 'Palisade Drill Impostor CA' });
        const issuer = await this.foreignCa;
        const leaf = await this.context.certificates.createLeaf({ issuer, ...names, extendedKeyUsages: usages });
        // The impostor sends its CA along, as a real MITM would, so the client sees a full chain.
        return { certPem: leaf.certPem + issuer.certPem, keyPem: leaf.keyPem };
      }
      case 'staging_ca': {
        const issuer = this.context.stagingCa;
        if (!issuer) throw new Error('this scenario needs the staging CA key (drill file key `ca.key`)');
        const now = Date.now();
        const validity =
          spec.validity === 'expired'
            ? { notBefore: new Date(now - 48 * HOUR_MS), notAfter: new Date(now - 24 * HOUR_MS) }
            : spec.validity === 'not_yet_valid'
              ? { notBefore: new Date(now + 24 * HOUR_MS), notAfter: new Date(now + 48 * HOUR_MS) }
              : {};
        return this.context.certificates.createLeaf({
          issuer,
          ...(spec.names === 'other' ? otherNames(names) : names),
          ...validity,
          ...(spec.keyType ? { keyType: spec.keyType } : {}),
          ...(spec.hash ? { hash: spec.hash } : {}),
          ...(spec.isCa ? { isCa: true } : {}),
          extendedKeyUsages: spec.extendedKeyUsages ?? usages,
        });
      }
    }
  }
}
