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

  const contextOptions: SecureContextOptions = {
    cert: certPem,
    key: keyPem,
    ca: caPem,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
  };
  try {
    createSecureContext(contextOptions);
  } catch (error) {
    throw new MaterialError(`${prefix}.tls`, `OpenSSL refused the material: ${(error as Error).message.split('\n')[0]}`);
  }
  const serverUri = parseSubjectAltNames(leaf.subjectAltName).uris[0];
  return { contextOptions, server: summary(leaf), trustAnchors: anchors.map(summary), serverUri };
}
