// Certificate revocation lists from `tls.crl`: PEM (one or more blocks) or DER files.
//
// The same files go to OpenSSL (the secure context's `crl`), which refuses a revoked
// certificate at a full handshake and verifies each CRL's signature there. A resumed TLS
// session skips that verification, so the peer-certificate check looks every connection's
// certificate up here too, against whatever CRLs are loaded now.
import 'reflect-metadata';
import type { X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { revocationKey } from './peer-certificate.js';

export interface RevocationList {
  /** Raw CRLs for the secure context. */
  readonly pems: readonly string[];
  /** revocationKey(issuer, serial) of every revoked certificate. */
  readonly revoked: ReadonlySet<string>;
}

const PEM_CRL = /-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g;

export class CrlError extends Error {}

/** Parse one CRL file; `anchors` are the trust bundle: a CRL must be issued by one of them. */
export function parseCrlFile(data: Buffer, file: string, anchors: readonly NodeX509[]): x509.X509Crl[] {
  const text = data.toString('latin1');
  const blocks = text.includes('-----BEGIN') ? (text.match(PEM_CRL) ?? []) : [data];
  if (blocks.length === 0) throw new CrlError(`no PEM "X509 CRL" block in ${file}`);
  const anchorSubjects = new Set(anchors.map((anchor) => new x509.X509Certificate(anchor.raw).subject));
  return blocks.map((block, index) => {
    let crl: x509.X509Crl;
    try {
      crl = new x509.X509Crl(typeof block === 'string' ? block : new Uint8Array(block));
    } catch {
      throw new CrlError(`CRL ${index + 1} in ${file} does not parse (PEM or DER expected)`);
    }
    if (!anchorSubjects.has(crl.issuer)) throw new CrlError(`CRL in ${file} is issued by "${crl.issuer}", which is not a CA in clientCa`);
    return crl;
  });
}

export function buildRevocationList(crls: readonly x509.X509Crl[]): RevocationList {
  const revoked = new Set<string>();
  for (const crl of crls) {
    for (const entry of crl.entries) revoked.add(revocationKey(crl.issuer, entry.serialNumber));
  }
  // OpenSSL reads the "X509 CRL" label only.
  return { pems: crls.map((crl) => x509.PemConverter.encode(crl.rawData, 'X509 CRL')), revoked };
}
