// Loading a listener's certificate, key and trust bundle, validated before anything uses them.
//
// A reload builds fresh material with this and swaps it in only if it loads cleanly, so a
// half-written or mismatched file never replaces working certificates. Error messages name the
// config key and never include key material.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { InboundConfig } from '../config/schema.js';
import { buildRevocationList, CrlError, parseCrlFile } from './crl.js';
import { compilePeerPolicy, type PeerCertPolicy } from './peer-policy.js';
import { parseSubjectAltNames } from './subject-alt-names.js';

export interface CertSummary {
  readonly subject: string;
  readonly validTo: Date;
}

export interface ListenerTlsMaterial {
  readonly contextOptions: SecureContextOptions;
  readonly server: CertSummary;
  readonly trustAnchors: readonly CertSummary[];
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
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function readFile(keyPath: string, baseDir: string, file: string): Buffer {
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

function summary(cert: X509Certificate): CertSummary {
  return { subject: cert.subject.replace(/\n/g, ','), validTo: new Date(cert.validTo) };
}

export function loadListenerTls(config: InboundConfig, baseDir: string, prefix: string, now = new Date()): ListenerTlsMaterial {
  const tls = config.tls;
  const certPem = readFile(`${prefix}.tls.cert`, baseDir, tls.cert);
  const keyPem = readFile(`${prefix}.tls.key`, baseDir, tls.key);
  const caPem = readFile(`${prefix}.tls.clientCa`, baseDir, tls.clientCa);

  const chain = parseCertificates(`${prefix}.tls.cert`, certPem.toString('utf8'), tls.cert);
  const leaf = chain[0] as X509Certificate;
  const key = parseKey(`${prefix}.tls.key`, keyPem, tls.key);
  if (!leaf.checkPrivateKey(key)) throw new MaterialError(`${prefix}.tls.key`, `does not match the certificate in ${tls.cert}`);
  if (new Date(leaf.validTo) <= now) throw new MaterialError(`${prefix}.tls.cert`, `expired on ${new Date(leaf.validTo).toISOString()}`);
  if (new Date(leaf.validFrom) > now) throw new MaterialError(`${prefix}.tls.cert`, `not valid until ${new Date(leaf.validFrom).toISOString()}`);

  const anchors = parseCertificates(`${prefix}.tls.clientCa`, caPem.toString('utf8'), tls.clientCa);
  for (const anchor of anchors) {
    if (!anchor.ca) throw new MaterialError(`${prefix}.tls.clientCa`, `${anchor.subject.replace(/\n/g, ',')} is not a CA certificate`);
  }

  // Each OpenSSL string on its own first, so a typo is reported at its own key.
  tryContext(`${prefix}.tls.ciphers`, { ciphers: tls.ciphers }, 'OpenSSL does not accept this cipher list');
  tryContext(`${prefix}.tls.groups`, { ecdhCurve: tls.groups }, 'OpenSSL does not accept this group list');

  const crls = tls.crl.flatMap((file, index) => {
    try {
      return parseCrlFile(readFile(`${prefix}.tls.crl[${index}]`, baseDir, file), file, anchors);
    } catch (error) {
      if (error instanceof CrlError) throw new MaterialError(`${prefix}.tls.crl[${index}]`, error.message);
      throw error;
    }
  });
  const revocation = buildRevocationList(crls);

  const contextOptions: SecureContextOptions = {
    cert: certPem,
    key: keyPem,
    ca: caPem,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    ciphers: tls.ciphers,
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
  return { contextOptions, server: summary(leaf), trustAnchors: anchors.map(summary), serverUri, peerPolicy: compilePeerPolicy(tls.peer, revocation) };
}

function tryContext(keyPath: string, options: SecureContextOptions, what: string): void {
  try {
    createSecureContext(options);
  } catch (error) {
    throw new MaterialError(keyPath, `${what}: ${(error as Error).message.split('\n')[0]}`);
  }
}
