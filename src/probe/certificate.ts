// The server certificate and its chain: trust, order, validity and how much lifetime is left, key,
// signature, usage, name and workload identity.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
// @peculiar/x509 needs the Reflect metadata polyfill loaded first, whoever imports this module.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { Finding } from '../report/findings.js';
import { analyzePeerCertificate } from '../tls/peer-certificate.js';
import { parseSpiffeId } from '../core/spiffe.js';
import { parseSubjectAltNames } from '../tls/subject-alt-names.js';
import { oneLine, orderProblems, selfIssued, trustAnchors, verifyChain } from './chain.js';
import { finding } from './finding.js';
import type { CertificateSummary, CheckOutcome, ProbeContext } from './types.js';

const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const EKU_ANY = '2.5.29.37.0';
const OID_CRL_DISTRIBUTION_POINTS = '2.5.29.31';
const STRONG_CURVES = new Set(['P-256', 'P-384', 'P-521']);
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Below this fraction of its lifetime left, a certificate should already have been renewed. */
const RENEW_BY_FRACTION = 0.2;
const URGENT_FRACTION = 0.05;

export function describeKey(cert: X509Certificate): string {
  const key = analyzePeerCertificate(cert).key;
  switch (key.type) {
    case 'rsa':
      return `RSA ${key.bits}`;
    case 'ec':
      return `EC ${key.curve}`;
    case 'ed25519':
      return 'Ed25519';
    default:
      return key.name;
  }
}

function describeSignature(cert: X509Certificate): { text: string; weak: boolean } {
  const signature = analyzePeerCertificate(cert).signature;
  if ('unrecognized' in signature) {
    // @peculiar/x509 does not know MD5- and MD2-based algorithms; neither is acceptable.
    const oid = new x509.X509Certificate(cert.raw).signatureAlgorithm;
    return { text: `unrecognized (${JSON.stringify(oid).slice(0, 60)})`, weak: true };
  }
  const hash = signature.hash ?? '';
  return { text: hash ? `${signature.algorithm} with ${hash}` : signature.algorithm, weak: ['SHA-1', 'MD5', 'MD2'].includes(hash.toUpperCase()) };
}

export function summarize(cert: X509Certificate): CertificateSummary {
  const sans = parseSubjectAltNames(cert.subjectAltName);
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    subjectAltNames: [...sans.dnsNames.map((name) => `DNS:${name}`), ...sans.ipAddresses.map((ip) => `IP:${ip}`), ...sans.uris.map((uri) => `URI:${uri}`)],
    spiffeIds: sans.uris.filter((uri) => uri.slice(0, 7).toLowerCase() === 'spiffe:'),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    sha256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
    key: describeKey(cert),
    signatureAlgorithm: describeSignature(cert).text,
  };
}

function duration(ms: number): string {
  if (ms >= 2 * DAY_MS) return `${Math.floor(ms / DAY_MS)}d`;
  if (ms >= 2 * HOUR_MS) return `${Math.floor(ms / HOUR_MS)}h`;
  return `${Math.max(0, Math.floor(ms / 60_000))}m`;
}

function keyProblem(cert: X509Certificate): string | undefined {
  const key = analyzePeerCertificate(cert).key;
  if (key.type === 'rsa' && key.bits < 2048) return `RSA ${key.bits}-bit key`;
  if (key.type === 'ec' && !STRONG_CURVES.has(key.curve)) return `EC key on ${key.curve}`;
  if (key.type === 'other') return `${key.name} key`;
  return undefined;
}

function hasRevocationInfo(cert: X509Certificate): boolean {
  if (cert.infoAccess?.includes('OCSP')) return true;
  return new x509.X509Certificate(cert.raw).getExtension(OID_CRL_DISTRIBUTION_POINTS) !== null;
}

function identityProblem(expected: string, cert: X509Certificate, spiffeIds: readonly string[]): string | undefined {
  if (expected.startsWith('dns:')) {
    const name = expected.slice(4);
    return cert.checkHost(name, { subject: 'never' }) ? undefined : `expected DNS name ${name}; the certificate's SANs do not match it`;
  }
  if (spiffeIds.length !== 1) return `expected ${expected}; the certificate has ${spiffeIds.length} SPIFFE IDs`;
  return spiffeIds[0] === expected ? undefined : `expected ${expected}; the certificate carries ${spiffeIds[0]}`;
}

export async function checkCertificate(context: ProbeContext): Promise<CheckOutcome> {
  const started = Date.now();
  const { target } = context;
  const chain = context.chain ?? [];
  const leaf = chain[0];
  if (!leaf) return { findings: [], facts: {}, skipped: 'no certificate was seen (no handshake reached the Certificate message)', durationMs: Date.now() - started };
  const findings: Finding[] = [];
  const now = Date.now();

  // Trust: OpenSSL's verdict from a completed handshake when there is one, else our own.
  const anchors = trustAnchors(target.ca);
  const verdict = context.first.handshake && context.first.authorized !== undefined
    ? (context.first.authorized ? undefined : (context.first.authorizationError ?? 'verification failed'))
    : verifyChain(chain, anchors, now);
  const top = chain.at(-1) as X509Certificate;
  if (verdict && !selfIssued(top) && !anchors.some((anchor) => top.checkIssued(anchor))) {
    findings.push(finding('chain_incomplete', `the issuer of the last certificate sent (${oneLine(top.issuer)}) is neither sent nor in the trust bundle: a missing intermediate, or an issuer the bundle does not hold`));
  }
  if (context.chainAsSent) {
    const order = orderProblems(chain);
    if (order.length > 0) findings.push(finding('chain_out_of_order', order.join('; ')));
    chain.slice(1).forEach((cert, index) => {
      if (selfIssued(cert)) findings.push(finding('chain_includes_root', `certificate ${index + 1} is the self-signed ${oneLine(cert.subject)}`));
    });
  }

  // Validity, judged against the certificate's own lifetime: 20 minutes left of a 1-hour
  // certificate is routine, 20 minutes left of a 90-day one means renewal has failed.
  const notBefore = Date.parse(leaf.validFrom);
  const notAfter = Date.parse(leaf.validTo);
  const lifetime = notAfter - notBefore;
  const left = notAfter - now;
  const fractionLeft = lifetime > 0 ? left / lifetime : 0;
  if (now < notBefore) findings.push(finding('cert_not_yet_valid', `valid from ${new Date(notBefore).toISOString()}`));
  else if (left <= 0) findings.push(finding('cert_expired', `expired ${duration(-left)} ago, at ${new Date(notAfter).toISOString()}`));
  else if (fractionLeft < RENEW_BY_FRACTION) {
    findings.push(finding('cert_expiring_soon', `${duration(left)} left of a ${duration(lifetime)} lifetime (${(fractionLeft * 100).toFixed(1)}%)`, fractionLeft < URGENT_FRACTION ? 'high' : 'medium'));
  }
  if (target.maxLifetimeMs !== undefined && lifetime > target.maxLifetimeMs) {
    findings.push(finding('cert_lifetime_too_long', `lifetime ${duration(lifetime)} exceeds ${duration(target.maxLifetimeMs)}`));
  }

  const key = keyProblem(leaf);
  if (key) findings.push(finding('weak_key', key));
  // Signatures matter on every certificate a client verifies, not on a root it already trusts.
  chain.forEach((cert, index) => {
    if (index > 0 && selfIssued(cert)) return;
    const signature = describeSignature(cert);
    if (signature.weak) findings.push(finding('weak_signature_algorithm', `certificate ${index} (${oneLine(cert.subject)}): ${signature.text}`));
  });
  const ekus = leaf.keyUsage;
  if (ekus && !ekus.includes(EKU_SERVER_AUTH) && !ekus.includes(EKU_ANY)) findings.push(finding('cert_missing_server_auth', `extendedKeyUsage: ${ekus.join(', ') || 'empty'}`));
  if (leaf.ca) findings.push(finding('cert_is_ca', 'basicConstraints CA:true on the leaf'));

  const name = target.nameToMatch;
  const matches = isIP(name) ? leaf.checkIP(name) !== undefined : leaf.checkHost(name) !== undefined;
  if (!matches) findings.push(finding('cert_name_mismatch', `${name} is not in ${leaf.subjectAltName ?? `the subject (${oneLine(leaf.subject)}); there is no subjectAltName`}`));

  // OpenSSL's verdict for a leaf that is expired, not yet valid or not for serverAuth is that same
  // fact, already reported more precisely above: one finding per defect.
  const covered: Record<string, string> = { CERT_HAS_EXPIRED: 'cert_expired', CERT_NOT_YET_VALID: 'cert_not_yet_valid', INVALID_PURPOSE: 'cert_missing_server_auth' };
  const coveredBy = verdict ? covered[verdict.split(' ')[0] as string] : undefined;
  if (verdict && !(coveredBy && findings.some((item) => item.id === coveredBy))) {
    findings.push(finding('cert_untrusted', `${verdict} (trust bundle: ${target.ca ? '--ca' : 'system roots'})`));
  }

  const summary = summarize(leaf);
  if (summary.spiffeIds.length > 1) findings.push(finding('spiffe_id_multiple', summary.spiffeIds.join(', ')));
  for (const id of summary.spiffeIds) {
    const parsed = parseSpiffeId(id);
    if (!parsed.ok) findings.push(finding('spiffe_id_malformed', `${id}: ${parsed.problem}`));
  }
  if (target.expectIdentity) {
    const problem = identityProblem(target.expectIdentity, leaf, summary.spiffeIds);
    if (problem) findings.push(finding('identity_mismatch', problem));
  }
  if (!hasRevocationInfo(leaf)) {
    // Revocation is moot for certificates that expire within a week.
    findings.push(finding('cert_no_revocation_info', `no CRL distribution point and no OCSP URL; lifetime ${duration(lifetime)}`, lifetime <= 7 * DAY_MS ? 'info' : 'low'));
  }

  return {
    findings,
    facts: {
      chain: chain.map((cert) => ({ subject: oneLine(cert.subject), issuer: oneLine(cert.issuer), notAfter: new Date(cert.validTo).toISOString(), key: describeKey(cert), signature: describeSignature(cert).text })),
      chainOrder: context.chainAsSent ? 'as sent' : 'as linked by issuer (TLS 1.3 only: the order sent is not visible)',
      verification: verdict ?? 'ok',
      trustBundle: target.ca ? '--ca' : 'system roots',
      lifetime: duration(lifetime),
      left: left > 0 ? duration(left) : 'expired',
      fractionLeft: Number(Math.max(0, fractionLeft).toFixed(4)),
      nameChecked: name,
    },
    durationMs: Date.now() - started,
  };
}
