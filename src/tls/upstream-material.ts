// Loading what an egress upstream connection needs: the service's own certificate and key (sent
// as the client certificate), the trust bundle for the upstream's chain, and the protocol and
// cipher policy, validated before anything uses them (same rules as a listener's material).
//
// Kept apart from material.ts (inbound) on purpose: the keys differ (`ca`, not `clientCa`) and
// the result is tls.connect options, not server context options.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import type { EgressUpstreamConfig } from '../config/schema.js';
import { MaterialError, parseCertificates, type CertSummary } from './material.js';
import { parseSubjectAltNames } from './subject-alt-names.js';

export interface UpstreamTlsMaterial {
  /** Handed to tls.connect (through undici's connector); never includes identity checks. */
  readonly connectOptions: ConnectionOptions;
  readonly client: CertSummary;
  readonly trustAnchors: readonly CertSummary[];
  /** The service's own SPIFFE ID, as the upstream will see it. */
  readonly clientUri?: string;
}

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

function parseKey(keyPath: string, pem: Buffer, file: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    // The parser's message can quote key bytes; say only what is wrong.
    throw new MaterialError(keyPath, `not a readable private key: ${file}`);
  }
}

const summary = (cert: X509Certificate): CertSummary => ({ subject: cert.subject.replace(/\n/g, ','), validTo: new Date(cert.validTo) });

/** `prefix` is the upstream's key path, e.g. `egress[0].upstreams[1]`. Throws MaterialError. */
export function loadUpstreamTls(config: EgressUpstreamConfig, baseDir: string, prefix: string, now = new Date()): UpstreamTlsMaterial {
  const tls = config.tls;
  const certPem = readFile(`${prefix}.tls.cert`, baseDir, tls.cert);
  const keyPem = readFile(`${prefix}.tls.key`, baseDir, tls.key);
  const caPem = readFile(`${prefix}.tls.ca`, baseDir, tls.ca);

  const chain = parseCertificates(`${prefix}.tls.cert`, certPem.toString('utf8'), tls.cert);
  const leaf = chain[0] as X509Certificate;
  const key = parseKey(`${prefix}.tls.key`, keyPem, tls.key);
  if (!leaf.checkPrivateKey(key)) throw new MaterialError(`${prefix}.tls.key`, `does not match the certificate in ${tls.cert}`);
  if (new Date(leaf.validTo) <= now) throw new MaterialError(`${prefix}.tls.cert`, `expired on ${new Date(leaf.validTo).toISOString()}`);
  if (new Date(leaf.validFrom) > now) throw new MaterialError(`${prefix}.tls.cert`, `not valid until ${new Date(leaf.validFrom).toISOString()}`);

  const anchors = parseCertificates(`${prefix}.tls.ca`, caPem.toString('utf8'), tls.ca);
  for (const anchor of anchors) {
    if (!anchor.ca) throw new MaterialError(`${prefix}.tls.ca`, `${anchor.subject.replace(/\n/g, ',')} is not a CA certificate`);
  }

  const connectOptions: ConnectionOptions = {
    cert: certPem,
    key: keyPem,
    ca: caPem,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    ciphers: tls.ciphers,
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
