// The one place an audit result becomes output: text for people, JSON for scripts, JUnit for CI.
import { renderJUnit, type TestCase } from '../report/junit.js';
import type { AuditResult } from './analyze.js';

export function renderAudit(result: AuditResult, format: 'text' | 'json' | 'junit'): string {
  const violations = result.findings.filter((finding) => finding.severity === 'violation');
  if (format === 'json') return `${JSON.stringify({ ok: violations.length === 0, counts: result.counts, findings: result.findings }, null, 2)}\n`;
  if (format === 'junit') {
    // One test case per audit check: a <failure> per violation, warnings in <system-out>.
    const cases = result.checks.map((check): TestCase => {
      const mine = result.findings.filter((finding) => finding.check === check);
      const failures = mine.filter((finding) => finding.severity === 'violation').map((finding) => ({ message: finding.message, type: 'violation', ...(finding.where ? { detail: finding.where } : {}) }));
      const warnings = mine.filter((finding) => finding.severity === 'warning').map((finding) => finding.message);
      const base = { suite: 'palisade audit', classname: 'palisade.audit', name: check, ...(warnings.length > 0 ? { output: warnings.join('\n') } : {}) };
      return failures.length > 0 ? { ...base, status: 'failed', failures } : { ...base, status: 'passed' };
    });
    return renderJUnit('palisade audit', cases);
  }
  const lines = [`palisade audit: ${result.counts.grants} grant(s), ${result.counts.revocations} revoked token(s), ${result.counts.accepted} accepted request(s) with a token`];
  for (const finding of result.findings) lines.push(`  ${finding.severity === 'violation' ? 'VIOLATION' : 'warning'} [${finding.check}] ${finding.message}${finding.where ? ` at ${finding.where}` : ''}`);
  lines.push(violations.length === 0 ? 'ok: no violation' : `${violations.length} violation(s)`);
  return `${lines.join('\n')}\n`;
}
