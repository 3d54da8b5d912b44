// A ProbeReport as text, JSON or JUnit: the probe-specific facts become report sections, the check
// families become cases, and the shared renderers (src/report/) do the rest.
import type { Severity } from '../report/findings.js';
import { renderJunit, renderText, type Report, type ReportSection } from '../report/render.js';
import { CHECKS, type ProbeReport } from './types.js';

export type ProbeFormat = 'text' | 'json' | 'junit';

function list(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((item) => (typeof item === 'object' && item && 'name' in item ? String((item as { name: unknown }).name) : String(item))).join(', ');
  if (value && typeof value === 'object') return Object.entries(value).map(([key, item]) => `${key}: ${String(item)}`).join('; ');
  return value === undefined ? '-' : String(value);
}

function sections(probe: ProbeReport): ReportSection[] {
  const out: ReportSection[] = [];
  const negotiated = probe.negotiated;
  if (negotiated) {
    out.push({
      title: 'Negotiated',
      rows: [
        ['version', negotiated.version ?? 'handshake not completed (client certificate required?)'],
        ['cipher', negotiated.cipher ?? '-'],
        ['group', negotiated.group ?? '-'],
        ['alpn', negotiated.alpn ?? 'none'],
      ],
    });
  }
  const cert = probe.certificate;
  if (cert) {
    out.push({
      title: 'Certificate',
      rows: [
        ['subject', cert.subject],
        ['SANs', cert.subjectAltNames.join(', ') || 'none'],
        ['SPIFFE ID', cert.spiffeIds.join(', ') || 'none'],
        ['issuer', cert.issuer],
        ['valid', `${cert.notBefore} to ${cert.notAfter}`],
        ['key', `${cert.key}, ${cert.signatureAlgorithm}`],
        ['sha256', cert.sha256],
      ],
    });
  }
  const rows: Array<[string, string]> = [];
  const facts = (name: (typeof CHECKS)[number]) => probe.checks[name]?.facts ?? {};
  if (probe.checks.protocols) {
    rows.push(['protocols', `accepted ${list(facts('protocols')['accepted'])}; refused ${list(facts('protocols')['refused'])}`]);
    rows.push(['SSLv2/SSLv3', String(facts('protocols')['sslv2Sslv3'])]);
    rows.push(['fallback SCSV', String(facts('protocols')['fallbackScsv'])]);
  }
  if (probe.checks.ciphers) {
    rows.push(['TLS 1.2 suites', list(facts('ciphers')['tls12'])]);
    rows.push(['TLS 1.3 suites', list(facts('ciphers')['tls13'])]);
    rows.push(['preference', String(facts('ciphers')['preference'])]);
    rows.push(['groups', list(facts('ciphers')['groups'])]);
  }
  if (probe.checks.certificate?.facts['chain']) {
    rows.push(['chain', `${list(facts('certificate')['chain'] && (facts('certificate')['chain'] as Array<{ subject: string }>).map((c) => c.subject))} (${String(facts('certificate')['chainOrder'])})`]);
    rows.push(['verification', `${String(facts('certificate')['verification'])} against ${String(facts('certificate')['trustBundle'])}`]);
    rows.push(['lifetime', `${String(facts('certificate')['left'])} left of ${String(facts('certificate')['lifetime'])}`]);
  }
  if (probe.checks.mtls) {
    rows.push(['mTLS baseline', String(facts('mtls')['baseline'])]);
    for (const [what, outcome] of Object.entries((facts('mtls')['attempts'] as Record<string, string>) ?? {})) rows.push([`mTLS ${what}`, outcome]);
    rows.push(['client CAs asked', list(facts('mtls')['certificateAuthorities'])]);
  }
  if (probe.checks.http) {
    rows.push(['plaintext HTTP', String(facts('http')['plaintext'])]);
    rows.push(['resumption', list(facts('http')['resumption'])]);
    if (facts('http')['clientRenegotiation']) rows.push(['renegotiation', `${String(facts('http')['clientRenegotiation'])}; secure: ${String(facts('http')['secureRenegotiation'] ?? '-')}`]);
    rows.push(['compression', String(facts('http')['compression'])]);
  }
  if (rows.length > 0) out.push({ title: 'Observed', rows });
  return out;
}

export function toReport(probe: ProbeReport): Report {
  const cases = CHECKS.filter((name) => probe.checks[name]).map((name) => {
    const outcome = probe.checks[name];
    return { name, findings: outcome?.findings ?? [], durationMs: outcome?.durationMs ?? 0, ...(outcome?.skipped ? { skipped: outcome.skipped } : {}) };
  });
  const reach = probe.reachable
    ? []
    : [{ name: 'reachability', findings: [{ check: 'reachability', id: 'target_unreachable', severity: 'critical' as const, title: 'the target could not be reached', detail: probe.error ?? 'unknown', fix: 'check the address, port and network path' }] }];
  const notes: ReportSection[] = probe.incomplete ? [{ title: 'Note', rows: [['incomplete', 'the deadline cut some attempts: results are partial']] }] : [];
  return { name: 'palisade probe', subject: probe.target, startedAt: probe.startedAt, durationMs: probe.durationMs, cases: [...reach, ...cases], sections: [...notes, ...sections(probe)] };
}

export function renderProbe(probe: ProbeReport, format: ProbeFormat, failOn: Severity): string {
  if (format === 'json') return `${JSON.stringify(probe, null, 2)}\n`;
  if (format === 'junit') return renderJunit(toReport(probe), { failOn });
  return renderText(toReport(probe), { failOn });
}
