// Does the server really enforce mutual TLS? Connect without a client certificate, with one from
// a CA made on the spot (for the identity the server expects), with an expired one and with one
// whose extendedKeyUsage lacks clientAuth, and see which get an HTTP answer. A baseline with the
// operator's real client certificate must succeed, or every refusal is inconclusive: a server that
// refuses everyone is broken, not secure.
import { X509Certificate } from 'node:crypto';
// @peculiar/x509 needs the Reflect metadata polyfill loaded first, whoever imports this module.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import type { Finding } from '../report/findings.js';
import { parseSubjectAltNames, commonName } from '../tls/subject-alt-names.js';
import { attempt, type AttemptResult } from './connect.js';
import { finding, type ProbeFindingId } from './finding.js';
import type { CheckOutcome, ProbeContext } from './types.js';

export type Verdict = 'accepted' | 'refused_tls' | 'refused_http' | 'inconclusive' | 'not_run';

interface Case {
  readonly what: string;
  readonly id: ProbeFindingId;
  readonly cert?: { certPem: string; keyPem: string };
}

/**
 * What the server did with one attempt. TLS 1.3 completes the client's side of the handshake before
 * the server has judged the client certificate, so a refusal there shows up as an alert on the
 * first read: the HTTP request is what tells accepted from refused.
 */
export function verdictOf(result: AttemptResult | undefined): { verdict: Verdict; detail: string } {
  if (!result) return { verdict: 'not_run', detail: 'not run: deadline reached' };
  if (!result.handshake) return result.timedOut ? { verdict: 'inconclusive', detail: 'timed out' } : { verdict: 'refused_tls', detail: `handshake refused (${result.error ?? 'closed'})` };
  if (result.httpStatus !== undefined) {
    return result.httpStatus < 400 ? { verdict: 'accepted', detail: `HTTP ${result.httpStatus} over ${result.protocol}` } : { verdict: 'refused_http', detail: `handshake completed over ${result.protocol}, HTTP ${result.httpStatus}` };
  }
  if (/ALERT|ECONNRESET|EPIPE/.test(result.httpError ?? '')) return { verdict: 'refused_tls', detail: `refused after the handshake (${result.httpError})` };
  // TLS 1.2: a completed handshake means the server finished it, certificate judged.
  if (result.protocol !== 'TLSv1.3') return { verdict: 'accepted', detail: `handshake completed over ${result.protocol}; no HTTP answer (${result.httpError ?? 'none'})` };
  return { verdict: 'inconclusive', detail: `TLS 1.3 handshake completed, then ${result.httpError ?? 'nothing'}` };
}

/** The identity a self-made certificate claims: the baseline's, else one in the server's own trust domain. */
function claimedIdentity(context: ProbeContext): { uris: string[]; dnsNames: string[]; commonName: string } {
  if (context.target.cert) {
    try {
      const baseline = new X509Certificate(context.target.cert);
      const sans = parseSubjectAltNames(baseline.subjectAltName);
      return { uris: [...sans.uris], dnsNames: [...sans.dnsNames], commonName: commonName(baseline.subject) ?? 'palisade-probe' };
    } catch {
      // An unreadable baseline falls through to a made-up identity; the baseline attempt reports it.
    }
  }
  const leaf = context.chain?.[0];
  const spiffe = leaf ? parseSubjectAltNames(leaf.subjectAltName).uris.find((uri) => uri.startsWith('spiffe://')) : undefined;
  const trustDomain = spiffe ? new URL(spiffe).host : undefined;
  return { uris: trustDomain ? [`spiffe://${trustDomain}/ns/probe/sa/palisade-probe`] : [], dnsNames: [], commonName: 'palisade-probe' };
}

/** The CA the self-made certificates claim to come from: a name the server asked for, so that a server matching issuers by name alone is caught. */
function claimedIssuer(context: ProbeContext): string {
  const names = context.flight?.certificateRequest?.caNames ?? [];
  for (const der of names) {
    const cn = /CN=([^,]+)/.exec(distinguishedName(der))?.[1];
    if (cn) return cn;
  }
  return 'Palisade Probe Untrusted CA';
}

/** A CA name from a CertificateRequest, as text; the server controls these bytes. */
function distinguishedName(der: Buffer): string {
  try {
    return new x509.Name(der).toString();
  } catch {
    return `(unparseable name, ${der.length} bytes)`;
  }
}

export async function checkMtls(context: ProbeContext): Promise<CheckOutcome> {
  const started = Date.now();
  const { target, budget } = context;
  const caNames = context.flight?.certificateRequest?.caNames.map(distinguishedName);
  const requestsCert = context.flight ? context.flight.certificateRequest !== undefined : undefined;

  const issuer = context.settings.certificates;
  if (!issuer) return { findings: [], facts: {}, skipped: 'no certificate issuer to make the throwaway client certificates with', durationMs: 0 };
  const identity = claimedIdentity(context);
  const fakeCa = await issuer.createCa({ commonName: claimedIssuer(context) });
  const now = Date.now();
  const untrusted = await issuer.createLeaf({ issuer: fakeCa, ...identity, extendedKeyUsages: ['clientAuth'] });
  const expired = await issuer.createLeaf({ issuer: fakeCa, ...identity, notBefore: new Date(now - 48 * 3_600_000), notAfter: new Date(now - 24 * 3_600_000), extendedKeyUsages: ['clientAuth'] });
  const serverOnly = await issuer.createLeaf({ issuer: fakeCa, ...identity, extendedKeyUsages: ['serverAuth'] });
  const cases: Case[] = [
    { what: 'no client certificate', id: 'mtls_not_required' },
    { what: 'client certificate from a self-made CA', id: 'accepts_untrusted_client_cert', cert: untrusted },
    { what: 'expired client certificate', id: 'accepts_expired_client_cert', cert: expired },
    { what: 'client certificate without clientAuth', id: 'accepts_client_cert_without_client_auth', cert: serverOnly },
  ];
  const base = { ca: target.ca, alpn: ['http/1.1'], httpPath: '/' };
  const baselinePromise = target.cert && target.key ? budget.run((timeoutMs) => attempt(target, { ...base, cert: target.cert, key: target.key, timeoutMs })) : Promise.resolve(undefined);
  const results = await budget.all(cases, (testCase, timeoutMs) => attempt(target, { ...base, ...(testCase.cert ? { cert: testCase.cert.certPem, key: testCase.cert.keyPem } : {}), timeoutMs }));
  const baselineResult = await baselinePromise;

  const findings: Finding[] = [];
  const outcomes: Record<string, string> = {};
  let inconclusive = false;
  let baseline: string;
  if (!target.cert) {
    baseline = 'none given';
    inconclusive = true;
    findings.push(finding('mtls_no_baseline', 'probe with --cert/--key to tell enforcement from a server that refuses every client'));
  } else {
    const { verdict, detail } = verdictOf(baselineResult);
    baseline = `${verdict}: ${detail}`;
    if (verdict !== 'accepted' && verdict !== 'refused_http') {
      inconclusive = true;
      findings.push(finding('mtls_baseline_refused', detail));
    }
  }
  // TLS 1.3 servers often refuse a client certificate by closing without an alert. When the same
  // server answers HTTP to the baseline, a close without an answer is that refusal.
  const speaksHttp = baselineResult?.httpStatus !== undefined;
  const noCertAccepted = verdictOf(results[0]).verdict === 'accepted';
  cases.forEach((testCase, index) => {
    const result = results[index];
    let { verdict, detail } = verdictOf(result);
    if (verdict === 'inconclusive' && speaksHttp && result?.handshake && result.httpStatus === undefined && !result.timedOut) {
      verdict = 'refused_tls';
      detail = `closed after the TLS 1.3 handshake without an HTTP answer (${result.httpError ?? 'no error'}), while the baseline gets one`;
    }
    // A certificate the server never asked for was never sent: the attempt says nothing about it.
    // On TLS 1.3 whether it asks is not visible; when it lets clients in without one, no verdict.
    const certNeverAsked = testCase.cert !== undefined && (requestsCert === false || (requestsCert === undefined && noCertAccepted));
    outcomes[testCase.what] = !certNeverAsked
      ? `${verdict}: ${detail}`
      : requestsCert === false
        ? `not applicable: the server does not ask for a client certificate (${detail} without one)`
        : `not determined: the server lets clients in without a certificate, and TLS 1.3 hides whether it asks for one (${detail})`;
    if (result?.session && (verdict === 'refused_http' || verdict === 'inconclusive')) context.refusedSessions.push({ what: testCase.what, session: result.session });
    if (certNeverAsked) return;
    if (verdict === 'accepted') {
      const status = result?.httpStatus;
      // An answer that is not 2xx (a redirect, or no HTTP at all) is still a completed, unauthenticated connection.
      findings.push(finding(testCase.id, `${detail}${testCase.cert ? `; claimed identity ${identity.uris[0] ?? identity.commonName}, issuer "${claimedIssuer(context)}"` : ''}`, status !== undefined && status >= 200 && status < 300 ? undefined : 'high'));
    } else if (verdict === 'refused_http' && testCase.id === 'mtls_not_required') {
      findings.push(finding('mtls_not_required', `${detail}: the TLS layer lets unauthenticated clients in and the HTTP server refuses them`, 'low'));
    }
  });
  return {
    findings,
    facts: {
      baseline,
      attempts: outcomes,
      inconclusive,
      requestsClientCert: requestsCert ?? 'unknown (TLS 1.3 only: the CertificateRequest is encrypted)',
      certificateAuthorities: caNames ?? (context.flight ? 'none: the server sends no CertificateRequest' : 'not visible (TLS 1.3 only: the CertificateRequest is encrypted)'),
    },
    durationMs: Date.now() - started,
  };
}
