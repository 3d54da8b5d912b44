// Loading a listener's certificate, key and trust bundle, validated before anything uses them.
//
// A reload builds fresh material with this and swaps it in only if it loads cleanly, so a
// half-written or mismatched file never replaces working certificates. Error messages name the
// config key and never include key material.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext, type SecureContextOptions, type SecureVersion } from 'node:tls';
import { buildRevocationList, CrlError, parseCrlFile } from './crl.js';
import { compilePeerPolicy, type PeerCertPolicy, type PeerCertPolicySettings } from './peer-policy.js';
import { parseSubjectAltNames } from './subject-alt-names.js';

export interface CertSummary {
  readonly subject: string;
  readonly validTo: Date;
  /** Start of validity: with validTo, the lifetime that expiry alerts are relative to. */
  readonly validFrom?: Date;
}

export interface ListenerTlsMaterial {
  readonly contextOptions: SecureContextOptions;
  readonly server: CertSummary;
  readonly trustAnchors: readonly CertSummary[];
  /** The same CAs as certificates: a new connection's chain is matched to the one that issued it. */
  readonly anchorCertificates: readonly X509Certificate[];
  /** The server's own SPIFFE ID (URI SAN), used as XFCC `By`. */
  readonly serverUri?: string;
  /** What peer certificates must look like, with the CRLs loaded now. */
  readonly peerPolicy: PeerCertPolicy;
}

export class MaterialError extends Error {
  constructor(
    readonly keyPath: string,
    message: string,
  ) {
    super(`${keyPath}: ${message}`);
  }

  /** Each problem as "key.path: what is wrong" (one here; several for MaterialErrors). */
  get messages(): readonly string[] {
    return [this.message];
  }
}

/** Several problems of one listener's or upstream's material, reported together. */
export class MaterialErrors extends MaterialError {
  constructor(readonly problems: readonly MaterialError[]) {
    super(problems[0]?.keyPath ?? '(material)', problems.map((problem) => problem.message).join('; '));
    this.message = problems.map((problem) => problem.message).join('; ');
  }

  override get messages(): readonly string[] {
    return this.problems.flatMap((problem) => problem.messages);
  }
}

/**
 * Runs independent loading steps and keeps every MaterialError, so one `validate` run names
 * every missing or bad file of a listener, not only the first.
 */
export class MaterialProblems {
  private readonly found: MaterialError[] = [];

  attempt<T>(step: () => T): T | undefined {
    try {
      return step();
    } catch (error) {
      if (!(error instanceof MaterialError)) throw error;
      this.found.push(error);
      return undefined;
    }
  }

  get any(): boolean {
    return this.found.length > 0;
  }

  throwIfAny(): void {
    if (this.found.length === 1) throw this.found[0] as MaterialError;
    if (this.found.length > 1) throw new MaterialErrors(this.found);
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function readMaterialFile(keyPath: string, baseDir: string, file: string): Buffer {
  try {
    return readFileSync(resolve(baseDir, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MaterialError(keyPath, `file not found: ${file}`);
    if (code === 'EACCES') throw new MaterialError(keyPath, `permission denied: ${file}`);
    throw new MaterialError(keyPath, `cannot read ${file}: ${code ?? 'error'}`);
  }
}

export function parseCertificates(keyPath: string, pem: string, file: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new MaterialError(keyPath, `no PEM certificate in ${file}`);
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new MaterialError(keyPath, `certificate ${index + 1} in ${file} does not parse`);
    }
  });
}

function parseKey(keyPath: string, pem: Buffer, file: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    // The parser's message can quote key bytes; say only what is wrong.
    throw new MaterialError(keyPath, `not a readable private key: ${file}`);
  }
}

export function summary(cert: X509Certificate): CertSummary {
  return { subject: cert.subject.replace(/\n/g, ','), validTo: new Date(cert.validTo), validFrom: new Date(cert.validFrom) };
}

export interface CertAndKey {
  readonly certPem: Buffer;
  readonly keyPem: Buffer;
  readonly leaf: X509Certificate;
}

/**
 * Our own certificate (leaf, then any intermediates) and its key, for either direction:
 * parses, the key matches, the leaf is valid now, and each certificate in the file was issued
 * and signed by the next one, so a reload can never swap in a broken or out-of-order chain.
 */
export function loadCertAndKey(certKeyPath: string, keyKeyPath: string, baseDir: string, certFile: string, keyFile: string, now: Date): CertAndKey {
  // The certificate and the key are read and parsed independently, so both problems show.
  const problems = new MaterialProblems();
  const certPem = problems.attempt(() => readMaterialFile(certKeyPath, baseDir, certFile));
  const keyPem = problems.attempt(() => readMaterialFile(keyKeyPath, baseDir, keyFile));
  const chain = certPem && problems.attempt(() => parseCertificates(certKeyPath, certPem.toString('utf8'), certFile));
  const key = keyPem && problems.attempt(() => parseKey(keyKeyPath, keyPem, keyFile));
  if (!certPem || !keyPem || !chain || !key) {
    problems.throwIfAny();
    throw new MaterialError(certKeyPath, 'could not be loaded');
  }
  const leaf = chain[0] as X509Certificate;
  if (!leaf.checkPrivateKey(key)) throw new MaterialError(keyKeyPath, `does not match the certificate in ${certFile}`);
  if (new Date(leaf.validTo) <= now) throw new MaterialError(certKeyPath, `expired on ${new Date(leaf.validTo).toISOString()}`);
  if (new Date(leaf.validFrom) > now) throw new MaterialError(certKeyPath, `not valid until ${new Date(leaf.validFrom).toISOString()}`);
  for (let i = 0; i + 1 < chain.length; i += 1) {
    const child = chain[i] as X509Certificate;
    const parent = chain[i + 1] as X509Certificate;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      throw new MaterialError(certKeyPath, `certificate ${i + 2} in ${certFile} did not issue certificate ${i + 1} (the chain must run leaf first, each followed by its issuer)`);
    }
    if (new Date(parent.validTo) <= now) throw new MaterialError(certKeyPath, `intermediate ${i + 2} in ${certFile} expired on ${new Date(parent.validTo).toISOString()}`);
  }
  return { certPem, keyPem, leaf };
}

/** A trust bundle: one or more CA certificates. */
export function loadTrustBundle(keyPath: string, baseDir: string, file: string): { pem: Buffer; anchors: X509Certificate[] } {
  const pem = readMaterialFile(keyPath, baseDir, file);
  const anchors = parseCertificates(keyPath, pem.toString('utf8'), file);
  for (const anchor of anchors) {
    if (!anchor.ca) throw new MaterialError(keyPath, `${anchor.subject.replace(/\n/g, ',')} is not a CA certificate`);
  }
  return { pem, anchors };
}

/**
 * OpenSSL's default security level differs by version (1 in Node 20's OpenSSL 3.0, 2 in Node
 * 22+), and at level 2 it drops an RSA-1024 peer with an opaque `UNSPECIFIED` verify error. We
 * pin level 1, unless the operator's cipher string names a level, so the peer policy (RSA >= 2048
 * by default) decides instead: a precise `weak_key` on every Node version, and report mode can
 * report it. SHA-1 certificate signatures are still refused by OpenSSL at level 1.
 */
export function withSecurityLevel(ciphers: string): string {
  return /@SECLEVEL=\d/.test(ciphers) ? ciphers : `${ciphers}:@SECLEVEL=1`;
}

/** `inbound[].tls` as validated by the config schema (file paths relative to the config's directory). */
export interface ListenerTlsSettings {
  readonly cert: string;
  readonly key: string;
  readonly clientCa: string;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
  readonly ciphers: string;
  readonly groups: string;
  readonly crl: readonly string[];
  readonly peer: PeerCertPolicySettings;
}

export function loadListenerTls(config: { readonly tls: ListenerTlsSettings }, baseDir: string, prefix: string, now = new Date()): ListenerTlsMaterial {
  const tls = config.tls;
  // Every file and string is checked even after one fails: `validate` reports them all at once.
  const problems = new MaterialProblems();
  const own = problems.attempt(() => loadCertAndKey(`${prefix}.tls.cert`, `${prefix}.tls.key`, baseDir, tls.cert, tls.key, now));
  const bundle = problems.attempt(() => loadTrustBundle(`${prefix}.tls.clientCa`, baseDir, tls.clientCa));

  // Each OpenSSL string on its own first, so a typo is reported at its own key.
  problems.attempt(() => tryContext(`${prefix}.tls.ciphers`, { ciphers: tls.ciphers }, 'OpenSSL does not accept this cipher list'));
  problems.attempt(() => tryContext(`${prefix}.tls.groups`, { ecdhCurve: tls.groups }, 'OpenSSL does not accept this group list'));

  const crls = tls.crl.flatMap((file, index) => {
    const keyPath = `${prefix}.tls.crl[${index}]`;
    const bytes = problems.attempt(() => readMaterialFile(keyPath, baseDir, file));
    // A CRL is checked against the trust anchors, so only once the bundle loaded.
    if (!bytes || !bundle) return [];
    try {
      return parseCrlFile(bytes, file, bundle.anchors);
    } catch (error) {
      if (!(error instanceof CrlError)) throw error;
      problems.attempt(() => {
        throw new MaterialError(keyPath, error.message);
      });
      return [];
    }
  });
  if (!own || !bundle || problems.any) {
    problems.throwIfAny();
    throw new MaterialError(`${prefix}.tls`, 'could not be loaded');
  }
  const { certPem, keyPem, leaf } = own;
  const { pem: caPem, anchors } = bundle;
  const revocation = buildRevocationList(crls);

  const contextOptions: SecureContextOptions = {
    cert: certPem,
    key: keyPem,
    ca: caPem,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    ciphers: withSecurityLevel(tls.ciphers),
    ecdhCurve: tls.groups,
    // OpenSSL then checks the leaf against its issuer's CRL at every full handshake. With any
    // CRL configured, a leaf whose issuer has no CRL fails (UNABLE_TO_GET_CRL): list one per CA.
    ...(revocation.pems.length > 0 ? { crl: [...revocation.pems] } : {}),
  };
  try {
    createSecureContext(contextOptions);
  } catch (error) {
    throw new MaterialError(`${prefix}.tls`, `OpenSSL refused the material: ${(error as Error).message.split('\n')[0]}`);
  }
  const serverUri = parseSubjectAltNames(leaf.subjectAltName).uris[0];
  return { contextOptions, server: summary(leaf), trustAnchors: anchors.map(summary), anchorCertificates: anchors, serverUri, peerPolicy: compilePeerPolicy(tls.peer, revocation, anchors) };
}

function tryContext(keyPath: string, options: SecureContextOptions, what: string): void {
  try {
    createSecureContext(options);
  } catch (error) {
    throw new MaterialError(keyPath, `${what}: ${(error as Error).message.split('\n')[0]}`);
  }
}
