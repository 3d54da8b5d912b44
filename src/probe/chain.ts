// The server's chain as a client sees it: does it verify against the trust bundle, is it sent in
// order, does it leave out intermediates or carry the root. Used when the probe could not complete
// a handshake (a server that requires a client certificate over TLS 1.2) and so has no verdict
// from OpenSSL; and always for order, which OpenSSL does not report.
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';

export function splitPemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const out: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      out.push(new X509Certificate(block));
    } catch {
      // A corrupt block in a bundle is skipped, as OpenSSL does.
    }
  }
  return out;
}

export function trustAnchors(caPem: string | undefined): X509Certificate[] {
  return caPem ? splitPemBundle(caPem) : rootCertificates.flatMap((pem) => splitPemBundle(pem));
}

export function issued(issuer: X509Certificate, subject: X509Certificate): boolean {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export function selfIssued(cert: X509Certificate): boolean {
  return issued(cert, cert);
}

/** Why the chain does not verify, or undefined when it does (signatures, issuers, validity). */
export function verifyChain(sent: readonly X509Certificate[], anchors: readonly X509Certificate[], now = Date.now()): string | undefined {
  const leaf = sent[0];
  if (!leaf) return 'no certificate';
  let current = leaf;
  for (let depth = 0; depth < 10; depth += 1) {
    if (Date.parse(current.validTo) < now) return `CERT_HAS_EXPIRED (${current.subject.replace(/\n/g, ', ')})`;
    if (Date.parse(current.validFrom) > now) return `CERT_NOT_YET_VALID (${current.subject.replace(/\n/g, ', ')})`;
    if (anchors.some((anchor) => anchor.fingerprint256 === current.fingerprint256)) return undefined;
    const anchor = anchors.find((candidate) => issued(candidate, current));
    if (anchor) return undefined;
    if (selfIssued(current)) return depth === 0 ? 'DEPTH_ZERO_SELF_SIGNED_CERT' : 'SELF_SIGNED_CERT_IN_CHAIN';
    const next = sent.find((candidate) => candidate !== current && issued(candidate, current));
    if (!next) return depth === 0 ? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' : 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY';
    current = next;
  }
  return 'chain too long';
}

/** Positions where the next certificate sent is not the issuer of the one before it. */
export function orderProblems(sent: readonly X509Certificate[]): string[] {
  const problems: string[] = [];
  for (let i = 0; i + 1 < sent.length; i += 1) {
    const cert = sent[i] as X509Certificate;
    if (selfIssued(cert)) continue;
    const next = sent[i + 1] as X509Certificate;
    if (!issued(next, cert)) {
      const elsewhere = sent.findIndex((candidate, index) => index !== i && issued(candidate, cert));
      problems.push(elsewhere === -1 ? `certificate ${i} (${oneLine(cert.subject)}) is followed by one that did not issue it` : `certificate ${i}'s issuer is sent at position ${elsewhere}, not ${i + 1}`);
    }
  }
  return problems;
}

export function oneLine(dn: string): string {
  return dn.replace(/\n/g, ', ');
}
