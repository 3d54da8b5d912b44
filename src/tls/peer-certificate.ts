// Facts about a peer certificate that the policy check compares against, computed ONCE per
// certificate: at secureConnection, cached by the certificate's SHA-256 so a reconnecting
// workload costs a Map lookup. The facts are config-independent; the listener policy (which a
// reload can change) is applied to them per request by src/checks/peer-certificate.ts.
//
// Node's X509Certificate gives key type/size and validity; the signature algorithm needs
// @peculiar/x509 on Node 20 (X509Certificate has no signatureAlgorithm there). The CA flag,
// key usages and SANs are decoded from the extensions themselves (leaf-rules.ts), never from
// Node's `ca`, which OpenSSL derives from keyUsage as well as basicConstraints.
import 'reflect-metadata';
import type { X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { leafProblems, readLeafExtensions, type LeafProblem } from './leaf-rules.js';
import { LruCache } from '../core/lru.js';

export type PeerKey =
  | { readonly type: 'rsa'; readonly bits: number }
  | { readonly type: 'ec'; readonly curve: string }
  | { readonly type: 'ed25519' }
  | { readonly type: 'other'; readonly name: string };

export interface PeerCertFacts {
  readonly key: PeerKey;
  /** e.g. { algorithm: 'ECDSA', hash: 'SHA-256' }; `hash` is absent for EdDSA. */
  readonly signature: { readonly algorithm: string; readonly hash?: string } | { readonly unrecognized: string };
  /** extendedKeyUsage OIDs, or null when the certificate has no EKU extension at all. */
  readonly extendedKeyUsages: readonly string[] | null;
  /** keyUsage bits by name, or null when the certificate has no keyUsage extension. */
  readonly keyUsages: readonly string[] | null;
  /** The leaf / X509-SVID rules this certificate breaks (CA flag, key usages, URI SANs...). */
  readonly leafProblems: readonly LeafProblem[];
  /** notAfter − notBefore. */
  readonly lifetimeMs: number;
  /** "issuer DN|serial" in the form CRL entries are indexed by (see crl.ts). */
  readonly revocationKey: string;
}

export { EKU_CLIENT_AUTH, EKU_SERVER_AUTH } from './leaf-rules.js';

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** Serial numbers as lower-case hex without leading zeros, the same from certificates and CRLs. */
export function normalizeSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, '');
}

export function revocationKey(issuerDn: string, serialHex: string): string {
  return `${issuerDn}|${normalizeSerial(serialHex)}`;
}

function keyOf(cert: NodeX509): PeerKey {
  let key;
  try {
    key = cert.publicKey;
  } catch {
    // A key type Node cannot load (DSA, a curve OpenSSL lacks...): a key policy cannot accept it.
    return { type: 'other', name: 'unreadable' };
  }
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return { type: 'rsa', bits: details.modulusLength ?? 0 };
    case 'ec':
      return { type: 'ec', curve: CURVES[details.namedCurve ?? ''] ?? details.namedCurve ?? 'unknown' };
    case 'ed25519':
      return { type: 'ed25519' };
    default:
      return { type: 'other', name: key.asymmetricKeyType ?? 'unknown' };
  }
}

function signatureOf(parsed: x509.X509Certificate): PeerCertFacts['signature'] {
  try {
    const algorithm = parsed.signatureAlgorithm as { name: string; hash?: { name: string } };
    return algorithm.hash ? { algorithm: algorithm.name, hash: algorithm.hash.name } : { algorithm: algorithm.name };
  } catch (error) {
    // @peculiar/x509 throws on algorithms it does not know (md5WithRSAEncryption, for one).
    return { unrecognized: (error as Error).message.slice(0, 120) };
  }
}

/** The signature algorithm of any certificate (an intermediate the peer sent, say). */
export function certificateSignature(cert: NodeX509): PeerCertFacts['signature'] {
  try {
    return signatureOf(new x509.X509Certificate(cert.raw));
  } catch {
    return { unrecognized: 'certificate could not be parsed' };
  }
}

/** An intermediate the peer sent: what the chain's strength depends on. */
export interface IssuerFacts {
  readonly subject: string;
  readonly key: PeerKey;
  readonly signature: PeerCertFacts['signature'];
  /** notAfter (ms): OpenSSL compares it only at a full handshake, the request check at every request. */
  readonly notAfter: number;
  /** What a CRL of its issuer lists it under: also compared at every request. */
  readonly revocationKey: string;
}

export function analyzeIssuer(cert: NodeX509): IssuerFacts {
  let parsed: x509.X509Certificate | undefined;
  try {
    parsed = new x509.X509Certificate(cert.raw);
  } catch {
    parsed = undefined;
  }
  return {
    subject: (cert.subject ?? '').replace(/\n/g, ','),
    key: keyOf(cert),
    signature: parsed ? signatureOf(parsed) : { unrecognized: 'certificate could not be parsed' },
    notAfter: Date.parse(cert.validTo),
    // In @peculiar/x509's spelling of the issuer name, as the CRLs' issuers are read (crl.ts).
    revocationKey: parsed ? revocationKey(parsed.issuer, parsed.serialNumber) : revocationKey(cert.issuer, cert.serialNumber),
  };
}

/**
 * The certificates above `leaf` in the chain the peer sent, nearest first, at most 8; the walk
 * ends at a self-signed certificate (a trust anchor: OpenSSL does not check its own signature).
 */
export function sentIssuerCertificates(leaf: NodeX509): NodeX509[] {
  const out: NodeX509[] = [];
  let cert = leaf;
  for (let depth = 0; depth < 8; depth += 1) {
    const issuer = cert.issuerCertificate;
    if (!issuer || issuer.fingerprint256 === cert.fingerprint256 || issuer.checkIssued(issuer)) break;
    out.push(issuer);
    cert = issuer;
  }
  return out;
}

export function sentIssuers(leaf: NodeX509): IssuerFacts[] {
  return sentIssuerCertificates(leaf).map(analyzeIssuer);
}

export function analyzePeerCertificate(cert: NodeX509): PeerCertFacts {
  let parsed: x509.X509Certificate;
  try {
    parsed = new x509.X509Certificate(cert.raw);
  } catch (error) {
    // OpenSSL accepted what this parser cannot read: refuse it (fail closed), never throw
    // from the connection handler.
    return {
      key: keyOf(cert),
      signature: { unrecognized: 'certificate could not be parsed' },
      extendedKeyUsages: null,
      keyUsages: null,
      leafProblems: [{ rule: 'cert_invalid', detail: `certificate cannot be decoded (${(error as Error).message.slice(0, 80)})` }],
      lifetimeMs: 0,
      revocationKey: revocationKey(cert.issuer, cert.serialNumber),
    };
  }
  const extensions = readLeafExtensions(cert.raw);
  return {
    key: keyOf(cert),
    signature: signatureOf(parsed),
    extendedKeyUsages: extensions.extendedKeyUsage?.oids ?? null,
    keyUsages: extensions.keyUsage ? [...extensions.keyUsage.usages] : null,
    leafProblems: leafProblems(extensions),
    lifetimeMs: parsed.notAfter.getTime() - parsed.notBefore.getTime(),
    revocationKey: revocationKey(parsed.issuer, parsed.serialNumber),
  };
}

/** Analyses by certificate SHA-256, bounded: a reconnecting workload costs one Map lookup. */
export class PeerCertFactsCache {
  private readonly cache: LruCache<string, PeerCertFacts>;
  private readonly issuers: LruCache<string, IssuerFacts>;

  constructor(capacity = 4096) {
    this.cache = new LruCache(capacity);
    this.issuers = new LruCache(Math.max(16, Math.ceil(capacity / 16)));
  }

  /** The intermediates a verified peer sent (or `chain`, when known), analysed once per intermediate. */
  issuersFor(leaf: NodeX509, chain: readonly NodeX509[] = sentIssuerCertificates(leaf)): IssuerFacts[] {
    return chain.map((cert) => {
      let facts = this.issuers.get(cert.fingerprint256);
      if (!facts) {
        facts = analyzeIssuer(cert);
        this.issuers.set(cert.fingerprint256, facts);
      }
      return facts;
    });
  }

  factsFor(cert: NodeX509, sha256: string): PeerCertFacts {
    let facts = this.cache.get(sha256);
    if (!facts) {
      facts = analyzePeerCertificate(cert);
      this.cache.set(sha256, facts);
    }
    return facts;
  }
}
