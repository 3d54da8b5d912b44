// The one place an audit result becomes output: text for people, JSON for scripts, JUnit for CI.
import type { AuditResult } from './analyze.js';

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderAudit(result: AuditResult, format: 'text' | 'json' | 'junit'): string {
  const violations = result.findings.filter((finding) => finding.severity === 'violation');
  if (format === 'json') return `${JSON.stringify({ ok: violations.length === 0, counts: result.counts, findings: result.findings }, null, 2)}\n`;
  if (format === 'junit') {
    const cases = result.checks.map((check) => {
      const mine = result.findings.filter((finding) => finding.check === check);
      const failures = mine.filter((finding) => finding.severity === 'violation');
      const body = failures.map((finding) => `      <failure message="${xml(finding.message)}">${xml(finding.where ?? '')}</failure>`).join('\n');
      const out = mine.filter((finding) => finding.severity === 'warning').map((finding) => finding.message);
      return `    <testcase classname="palisade.audit" name="${check}">${body ? `\n${body}\n    ` : ''}${out.length > 0 ? `<system-out>${xml(out.join('\n'))}</system-out>` : ''}</testcase>`;
    });
    const failures = result.checks.filter((check) => violations.some((finding) => finding.check === check)).length;
    return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="palisade audit" tests="${result.checks.length}" failures="${failures}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
  }
  const lines = [`palisade audit: ${result.counts.grants} grant(s), ${result.counts.revocations} revoked token(s), ${result.counts.accepted} accepted request(s) with a token`];
  for (const finding of result.findings) lines.push(`  ${finding.severity === 'violation' ? 'VIOLATION' : 'warning'} [${finding.check}] ${finding.message}${finding.where ? ` at ${finding.where}` : ''}`);
  lines.push(violations.length === 0 ? 'ok: no violation' : `${violations.length} violation(s)`);
  return `${lines.join('\n')}\n`;
}
