// palisade audit --broker-log FILE --sidecar-log FILE…: the post-test audit of a run's tokens.
import { parseArgs } from 'node:util';
import { analyzeAudit } from '../audit/analyze.js';
import { readAuditInput } from '../audit/logs.js';
import { renderAudit } from '../audit/report.js';
import type { Command } from './command.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from './usage.js';

export function auditCommand(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: { 'broker-log': { type: 'string', multiple: true }, 'sidecar-log': { type: 'string', multiple: true }, format: { type: 'string' }, issuer: { type: 'string', multiple: true }, 'clock-tolerance-ms': { type: 'string' }, 'revocation-delay-ms': { type: 'string' } },
    strict: true,
  });
  const brokerLogs = values['broker-log'] ?? [];
  const sidecarLogs = values['sidecar-log'] ?? [];
  if (brokerLogs.length === 0) throw new UsageError('audit needs --broker-log FILE');
  if (sidecarLogs.length === 0) throw new UsageError('audit needs at least one --sidecar-log FILE');
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'junit') throw new UsageError('--format must be text, json or junit');
  const tolerance = Number(values['clock-tolerance-ms'] ?? '0');
  if (!Number.isInteger(tolerance) || tolerance < 0) throw new UsageError('--clock-tolerance-ms must be a whole number of milliseconds');
  const delay = Number(values['revocation-delay-ms'] ?? '0');
  if (!Number.isInteger(delay) || delay < 0) throw new UsageError('--revocation-delay-ms must be a whole number of milliseconds');
  const input = readAuditInput(brokerLogs, sidecarLogs);
  if (input.errors.length > 0) {
    for (const error of input.errors) process.stderr.write(`palisade audit: ${error}\n`);
    return EXIT_FINDINGS;
  }
  const result = analyzeAudit(input, { issuers: values.issuer ?? [], clockToleranceMs: tolerance, revocationDelayMs: delay });
  process.stdout.write(renderAudit(result, format));
  return result.findings.some((finding) => finding.severity === 'violation') ? EXIT_FINDINGS : EXIT_OK;
}

export const audit: Command = {
  help: {
    name: 'audit',
    summary: "post-test audit of a run's tokens: granted, not revoked, not expired, least privilege",
    usage: ['audit --broker-log FILE... --sidecar-log FILE... [--issuer NAME]... [--revocation-delay-ms N] [--format text|json|junit]'],
    description:
      'Joins the broker audit lines with the sidecars\' request lines. Violations (exit 1): a token a sidecar\naccepted that the broker never granted, accepted after its revocation or its exp, and scopes a grant\nhanded out that no request required. Grants never used are warnings.',
    options: [
      { flags: '--broker-log FILE', description: "a broker's log or auditFile (repeatable: one per replica)", required: true },
      { flags: '--sidecar-log FILE', description: "a sidecar's log (repeatable)", required: true },
      { flags: '--issuer NAME', description: "the sidecars' issuer name(s) for this broker (tokens.issuers[].name); others are not audited", default: 'every accepted token' },
      { flags: '--clock-tolerance-ms N', description: 'allowed clock difference between the logs', default: '0' },
      { flags: '--revocation-delay-ms N', description: "how long a revocation may take to reach the sidecars (their tokens.denylist.remote.refreshMs plus a fetch); acceptances within it are not violations", default: '0' },
      { flags: '--format F', description: 'text, json or junit', default: 'text' },
    ],
    examples: ['palisade audit --broker-log broker.log --sidecar-log orders-sidecar.log --format junit > reports/audit.xml'],
  },
  run: auditCommand,
};
