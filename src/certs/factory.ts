// Certificate factory: a dev CA and leaf certificates with SPIFFE URI SANs.
//
// Used by `palisade certs init`, by `palisade demo`, by the probe and the drills the CLI starts
// (handed to them as a core/certificate-issuer.ts, never imported), and by tests, which need certificates
// that break exactly one rule (expired, weak key, SHA-1, CA:true leaf...) and certificates as
// varied as an attacker's: basicConstraints, keyUsage, extendedKeyUsage, SANs and subject can
// each be set freely (critical or not, absent, duplicated through `extraExtensions`). The
// defaults are a textbook X509-SVID. Everything is generated with WebCrypto through
// @peculiar/x509; node-forge cannot make EC certificates.
import 'reflect-metadata';
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { CertificateIssuer } from '../core/certificate-issuer.js';

x509.cryptoProvider.set(webcrypto as never);

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;
type EcKeyGenParams = webcrypto.EcKeyGenParams;
type EcdsaParams = webcrypto.EcdsaParams;
type RsaHashedKeyGenParams = webcrypto.RsaHashedKeyGenParams;

export type KeyType = 'ec-p256' | 'ec-p384' | 'rsa-1024' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ed25519';
export const KEY_TYPES: readonly KeyType[] = ['ec-p256', 'ec-p384', 'rsa-1024', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'ed25519'];
export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface KeyMaterial {
  readonly type: KeyType;
  readonly keys: CryptoKeyPair;
}

/** A certificate with its private key, both as PEM. `keys` signs further certificates. */
export interface IssuedCert {
  readonly certPem: string;
  readonly keyPem: string;
  readonly cert: x509.X509Certificate;
  readonly key: KeyMaterial;
}

export interface CaOptions {
  commonName?: string;
  keyType?: KeyType;
  hash?: HashName;
  notBefore?: Date;
  notAfter?: Date;
  /** Issue this CA under another CA (an intermediate). */
  issuer?: IssuedCert;
  /** The CA's key pair, to re-issue (renew) a CA with its key; default a new one of `keyType`. */
  key?: KeyMaterial;
}

export interface LeafOptions {
  issuer: IssuedCert;
  commonName?: string;
  /** URI SANs, e.g. spiffe://example.org/ns/default/sa/api. Zero, one, or (for tests) several. */
  uris?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  keyType?: KeyType;
  hash?: HashName;
  notBefore?: Date;
  notAfter?: Date;
  /**
   * Extended key usages by name or dotted OID; default both serverAuth and clientAuth. An empty
   * list omits the extension.
   */
  extendedKeyUsages?: Array<ExtendedKeyUsageName | string>;
  /** Mark the extendedKeyUsage extension critical (default: not critical). */
  extendedKeyUsageCritical?: boolean;
  /** Mark the leaf as a CA (basicConstraints CA:true): a test of the "not a CA" rule. */
  isCa?: boolean;
  /**
   * basicConstraints exactly as given (overrides `isCa`); 'absent' omits the extension.
   * Default: critical, CA as `isCa`.
   */
  basicConstraints?: { ca: boolean; critical?: boolean; pathLength?: number } | 'absent';
  /**
   * keyUsage exactly as given; 'absent' omits the extension. Default: critical,
   * digitalSignature (plus keyEncipherment for RSA keys, keyCertSign for `isCa`).
   */
  keyUsage?: { usages: KeyUsageName[]; critical?: boolean } | 'absent';
  /** Mark the subjectAltName extension critical (default: not critical). */
  subjectAltNameCritical?: boolean;
  /** e-mail (rfc822Name) SANs. */
  emails?: string[];
  /** The subject DN as written ("CN=a, O=b"); '' makes an empty subject. Default CN=commonName. */
  subject?: string;
  /** Extensions appended as given, after the others (duplicates, unknown critical ones...). */
  extraExtensions?: x509.Extension[];
  serialNumber?: string;
}

export type KeyUsageName = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign' | 'encipherOnly' | 'decipherOnly';
export type ExtendedKeyUsageName = 'serverAuth' | 'clientAuth' | 'codeSigning' | 'emailProtection' | 'timeStamping' | 'ocspSigning' | 'anyExtendedKeyUsage';

const EKU_OIDS: Record<ExtendedKeyUsageName, string> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',
};

function keyUsageFlags(usages: readonly KeyUsageName[]): number {
  return usages.reduce((flags, usage) => flags | x509.KeyUsageFlags[usage], 0);
}

const HOUR_MS = 3_600_000;

function keyAlgorithm(type: KeyType): RsaHashedKeyGenParams | EcKeyGenParams | Algorithm {
  switch (type) {
    case 'ec-p256':
      return { name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams;
    case 'ec-p384':
      return { name: 'ECDSA', namedCurve: 'P-384' } as EcKeyGenParams;
    case 'ed25519':
      return { name: 'Ed25519' };
    default: {
      const bits = Number(type.slice('rsa-'.length));
      return {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: bits,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      } as RsaHashedKeyGenParams;
    }
  }
}

/** The signature algorithm a key of this type signs certificates with. */
function signingAlgorithm(type: KeyType, hash: HashName): Algorithm {
  if (type === 'ed25519') return { name: 'Ed25519' };
  if (type.startsWith('ec-')) return { name: 'ECDSA', hash } as EcdsaParams;
  return { name: 'RSASSA-PKCS1-v1_5', hash } as Algorithm;
}

/**
 * The private key to sign with. WebCrypto's RSASSA-PKCS1-v1_5 signs with the hash the key was
 * imported with and ignores the one passed to sign(), so an RSA issuer asked for another hash
 * (SHA-1, for tests of the weak-signature rule) needs its key re-imported with that hash.
 */
async function signingKey(issuer: KeyMaterial, hash: HashName): Promise<webcrypto.CryptoKey> {
  const key = issuer.keys.privateKey;
  if (!issuer.type.startsWith('rsa-') || (key.algorithm as { hash?: { name?: string } }).hash?.name === hash) return key;
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return webcrypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash } as never, false, ['sign']);
}

export async function generateKey(type: KeyType = 'ec-p256'): Promise<KeyMaterial> {
  const keys = (await webcrypto.subtle.generateKey(keyAlgorithm(type) as never, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { type, keys };
}

function privateKeyPem(key: KeyMaterial): string {
  return KeyObject.from(key.keys.privateKey as never).export({ type: 'pkcs8', format: 'pem' }) as string;
}

function serial(): string {
  // Positive 16-byte serial: clear the top bit so DER does not read it as negative.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function dnEscape(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

export async function createCa(options: CaOptions = {}): Promise<IssuedCert> {
  const key = options.key ?? (await generateKey(options.keyType ?? 'ec-p256'));
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - HOUR_MS);
  const notAfter = options.notAfter ?? new Date(now + 365 * 24 * HOUR_MS);
  const name = `CN=${dnEscape(options.commonName ?? 'Palisade Dev CA')}`;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(key.keys.publicKey),
  ];
  const issuer = options.issuer;
  let cert: x509.X509Certificate;
  if (issuer) {
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.cert, false));
    cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: name,
      issuer: issuer.cert.subject,
      notBefore,
      notAfter,
      signingAlgorithm: signingAlgorithm(issuer.key.type, options.hash ?? 'SHA-256'),
      publicKey: key.keys.publicKey,
      signingKey: await signingKey(issuer.key, options.hash ?? 'SHA-256'),
      extensions,
    });
  } else {
    cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name,
      notBefore,
      notAfter,
      signingAlgorithm: signingAlgorithm(key.type, options.hash ?? 'SHA-256'),
      keys: key.keys,
      extensions,
    });
  }
  return { certPem: cert.toString('pem') + '\n', keyPem: privateKeyPem(key), cert, key };
}

export async function createLeaf(options: LeafOptions): Promise<IssuedCert> {
  const key = await generateKey(options.keyType ?? 'ec-p256');
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - 5 * 60_000);
  const notAfter = options.notAfter ?? new Date(now + 24 * HOUR_MS);
  const uris = options.uris ?? [];
  const commonName = options.commonName ?? uris[0]?.split('/').pop() ?? options.dnsNames?.[0] ?? 'palisade-leaf';
  const altNames: x509.JsonGeneralName[] = [
    ...uris.map((value) => ({ type: 'url' as const, value })),
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const ekus = options.extendedKeyUsages ?? ['serverAuth', 'clientAuth'];
  const isCa = options.isCa ?? false;
  const extensions: x509.Extension[] = [];
  const basic = options.basicConstraints ?? { ca: isCa, critical: true };
  if (basic !== 'absent') extensions.push(new x509.BasicConstraintsExtension(basic.ca, basic.pathLength, basic.critical ?? true));
  const usage = options.keyUsage ?? {
    usages: isCa ? ['keyCertSign', 'digitalSignature'] : key.type.startsWith('rsa-') ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'],
    critical: true,
  };
  if (usage !== 'absent') extensions.push(new x509.KeyUsagesExtension(keyUsageFlags(usage.usages), usage.critical ?? true));
  extensions.push(
    await x509.SubjectKeyIdentifierExtension.create(key.keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(options.issuer.cert, false),
  );
  altNames.push(...(options.emails ?? []).map((value) => ({ type: 'email' as const, value })));
  // SPIFFE X.509-SVID: the URI SAN carries the identity; the subject may be empty, in which
  // case the SAN extension must be critical. We keep a CN for humans by default.
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames, options.subjectAltNameCritical ?? false));
  if (ekus.length > 0) {
    extensions.push(
      new x509.ExtendedKeyUsageExtension(
        ekus.map((name) => EKU_OIDS[name as ExtendedKeyUsageName] ?? name),
        options.extendedKeyUsageCritical ?? false,
      ),
    );
  }
  extensions.push(...(options.extraExtensions ?? []));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: options.serialNumber ?? serial(),
    subject: options.subject ?? `CN=${dnEscape(commonName)}`,
    issuer: options.issuer.cert.subject,
    notBefore,
    notAfter,
    signingAlgorithm: signingAlgorithm(options.issuer.key.type, options.hash ?? 'SHA-256'),
    publicKey: key.keys.publicKey,
    signingKey: await signingKey(options.issuer.key, options.hash ?? 'SHA-256'),
    extensions,
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: privateKeyPem(key), cert, key };
}

export interface CrlOptions {
  issuer: IssuedCert;
  /** Certificates to list as revoked (their serial numbers are read from them). */
  revoked?: IssuedCert[];
  thisUpdate?: Date;
  nextUpdate?: Date;
}

/** A CRL signed by `issuer`, as PEM and DER, for revocation tests and `crl:` config entries. */
export async function createCrl(options: CrlOptions): Promise<{ pem: string; der: Buffer }> {
  const thisUpdate = options.thisUpdate ?? new Date(Date.now() - 60_000);
  const crl = await x509.X509CrlGenerator.create({
    issuer: options.issuer.cert.subject,
    thisUpdate,
    nextUpdate: options.nextUpdate ?? new Date(thisUpdate.getTime() + 7 * 24 * HOUR_MS),
    entries: (options.revoked ?? []).map((cert) => ({ serialNumber: cert.cert.serialNumber, revocationDate: thisUpdate })),
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(options.issuer.cert, false)],
    signingAlgorithm: signingAlgorithm(options.issuer.key.type, 'SHA-256'),
    signingKey: await signingKey(options.issuer.key, 'SHA-256'),
  });
  // The standard PEM label is "X509 CRL" (what OpenSSL reads); @peculiar/x509 writes "CRL".
  return { pem: x509.PemConverter.encode(crl.rawData, 'X509 CRL') + '\n', der: Buffer.from(crl.rawData) };
}

/** Load an existing CA (PEM certificate and PKCS#8 key) so that `certs init` can add identities to it, or a drill forge under it. */
export async function loadIssuer(certPem: string, keyPem: string): Promise<IssuedCert> {
  const { createPrivateKey } = await import('node:crypto');
  const keyObject = createPrivateKey(keyPem);
  const details = keyObject.asymmetricKeyDetails ?? {};
  let type: KeyType;
  if (keyObject.asymmetricKeyType === 'ed25519') type = 'ed25519';
  else if (keyObject.asymmetricKeyType === 'ec') type = details.namedCurve === 'secp384r1' ? 'ec-p384' : 'ec-p256';
  else if (keyObject.asymmetricKeyType === 'rsa') type = `rsa-${details.modulusLength ?? 2048}` as KeyType;
  else throw new Error(`unsupported CA key type: ${keyObject.asymmetricKeyType ?? 'unknown'}`);
  const algorithm = keyAlgorithm(type);
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, algorithm as never, true, ['sign']);
  const cert = new x509.X509Certificate(certPem);
  const publicKey = await cert.publicKey.export(algorithm as never, ['verify']);
  return { certPem, keyPem, cert, key: { type, keys: { privateKey, publicKey } as CryptoKeyPair } };
}

/**
 * A self-signed leaf: names and usages like createLeaf's, but issued by its own key and not a
 * CA. What an impostor presents when it has no CA at all (the "self-signed, right name" MITM).
 */
export async function createSelfSignedLeaf(options: Omit<LeafOptions, 'issuer' | 'isCa'>): Promise<IssuedCert> {
  const key = await generateKey(options.keyType ?? 'ec-p256');
  const now = Date.now();
  const uris = options.uris ?? [];
  const commonName = options.commonName ?? uris[0]?.split('/').pop() ?? options.dnsNames?.[0] ?? 'palisade-leaf';
  const altNames: x509.JsonGeneralName[] = [
    ...uris.map((value) => ({ type: 'url' as const, value })),
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const ekus = options.extendedKeyUsages ?? ['serverAuth', 'clientAuth'];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | (key.type.startsWith('rsa-') ? x509.KeyUsageFlags.keyEncipherment : 0), true),
    await x509.SubjectKeyIdentifierExtension.create(key.keys.publicKey),
  ];
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames, false));
  if (ekus.length > 0) {
    extensions.push(
      new x509.ExtendedKeyUsageExtension(
        ekus.map((usage) => (usage === 'serverAuth' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth)),
        false,
      ),
    );
  }
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: options.serialNumber ?? serial(),
    name: `CN=${dnEscape(commonName)}`,
    notBefore: options.notBefore ?? new Date(now - 5 * 60_000),
    notAfter: options.notAfter ?? new Date(now + 24 * HOUR_MS),
    signingAlgorithm: signingAlgorithm(key.type, options.hash ?? 'SHA-256'),
    keys: key.keys,
    extensions,
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: privateKeyPem(key), cert, key };
}

/** The factory as the issuer the probe and the drills are handed at run time (core/certificate-issuer.ts). */
export const certificateFactory: CertificateIssuer = { createCa, createLeaf, createSelfSignedLeaf, loadIssuer };
