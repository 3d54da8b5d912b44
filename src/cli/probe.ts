// palisade probe HOST:PORT: how an endpoint's TLS and mTLS are configured and what is wrong with it.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { certificateFactory } from '../certs/factory.js';
import { parseDuration } from '../core/duration.js';
import { atOrAbove, isSeverity, type Severity } from '../report/findings.js';
import { runProbe } from '../probe/probe.js';
import { renderProbe, type ProbeFormat } from '../probe/render.js';
import { DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT_MS, defaultDeadlineMs, parseChecks } from '../probe/settings.js';
import { parseTarget } from '../probe/target.js';
import { CHECKS, type ProbeTarget } from '../probe/types.js';
import { parseSpiffeId } from '../core/spiffe.js';
import type { Command } from './command.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from './usage.js';

function readPem(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'cannot read'}`);
  }
}

function duration(flag: string, text: string): number {
  const ms = /^(\d+)ms$/.exec(text.trim());
  if (ms) {
    const value = Number(ms[1]);
    if (value > 0) return value;
  }
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

export async function probeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      servername: { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'expect-identity': { type: 'string' },
      'max-lifetime': { type: 'string' },
      format: { type: 'string', default: 'text' },
      'fail-on': { type: 'string', default: 'medium' },
      timeout: { type: 'string', default: '5s' },
      checks: { type: 'string', default: CHECKS.join(',') },
    },
  });
  if (positionals.length !== 1) throw new UsageError(`probe needs exactly one HOST:PORT${positionals.length > 1 ? ` (got ${positionals.join(' ')})` : ''}`);
  let parsed;
  try {
    parsed = parseTarget(positionals[0] as string);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const format = values.format as string;
  if (!['text', 'json', 'junit'].includes(format)) throw new UsageError(`--format must be text, json or junit (got "${format}")`);
  const failOn = values['fail-on'] as string;
  if (!isSeverity(failOn) || failOn === 'info') throw new UsageError(`--fail-on must be low, medium, high or critical (got "${failOn}")`);
  if (Boolean(values.cert) !== Boolean(values.key)) throw new UsageError('--cert and --key go together');
  const expect = values['expect-identity'];
  if (expect !== undefined) {
    if (expect.startsWith('dns:')) {
      if (expect.length <= 4) throw new UsageError('--expect-identity dns:NAME needs a name');
    } else {
      const spiffe = parseSpiffeId(expect);
      if (!spiffe.ok) throw new UsageError(`--expect-identity must be a SPIFFE ID or dns:NAME: ${spiffe.problem}`);
    }
  }
  let checks;
  try {
    checks = parseChecks(values.checks as string);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const timeoutMs = duration('--timeout', values.timeout as string);
  const servername = values.servername ?? (parsed.isName ? parsed.host : undefined);
  const target: ProbeTarget = {
    label: positionals[0] as string,
    host: parsed.host,
    port: parsed.port,
    ...(servername ? { servername } : {}),
    nameToMatch: servername ?? parsed.host,
    ...(values.ca ? { ca: readPem('--ca', values.ca) } : {}),
    ...(values.cert && values.key ? { cert: readPem('--cert', values.cert), key: readPem('--key', values.key) } : {}),
    ...(expect ? { expectIdentity: expect } : {}),
    ...(values['max-lifetime'] ? { maxLifetimeMs: duration('--max-lifetime', values['max-lifetime']) } : {}),
  };
  const report = await runProbe(target, { timeoutMs, deadlineMs: defaultDeadlineMs(timeoutMs), concurrency: DEFAULT_CONCURRENCY, checks, certificates: certificateFactory });
  process.stdout.write(renderProbe(report, format as ProbeFormat, failOn as Severity));
  if (!report.reachable) {
    process.stderr.write(`palisade: cannot probe ${target.label}: ${report.error ?? 'unreachable'}\n`);
    return EXIT_USAGE;
  }
  return report.findings.some((finding) => atOrAbove(finding.severity, failOn as Severity)) ? EXIT_FINDINGS : EXIT_OK;
}

export const probe: Command = {
  help: {
    name: 'probe',
    summary: 'connect to a TLS endpoint and report its protocols, suites, certificate and mTLS enforcement',
    usage: ['probe HOST:PORT [--ca FILE] [--cert FILE --key FILE] [--expect-identity ID] [--format text|json|junit]'],
    description: [
      'Checks protocol versions (each on its own connection), every TLS 1.2 suite this OpenSSL can offer and',
      'the TLS 1.3 suites, the certificate chain, whether mutual TLS is really enforced (no certificate, a',
      'self-made one, an expired one, one without clientAuth), plaintext HTTP, resumption, renegotiation and',
      'compression. Every finding has an id, a severity and a fix (README: "palisade probe").',
      `At most ${DEFAULT_CONCURRENCY} connections at once; the whole probe is bounded by max(30s, 12 x --timeout).`,
      'Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage error or the target cannot be reached.',
    ].join('\n'),
    options: [
      { flags: '--servername NAME', description: 'SNI and the name the certificate must be valid for', default: 'HOST when it is a name' },
      { flags: '--ca FILE', description: "trust bundle (PEM) for the server's chain", default: 'the system store' },
      { flags: '--cert FILE', description: 'a client certificate the server should accept: the mTLS baseline (with --key)' },
      { flags: '--key FILE', description: 'the key of --cert' },
      { flags: '--expect-identity ID', description: "SPIFFE ID or dns:NAME the server's certificate must carry" },
      { flags: '--max-lifetime D', description: 'flag server certificates that live longer (e.g. 24h, 90d)' },
      { flags: '--format text|json|junit', description: 'report format', default: 'text' },
      { flags: '--fail-on SEVERITY', description: 'exit 1 when a finding is at or above it (low, medium, high, critical)', default: 'medium' },
      { flags: '--timeout D', description: 'per connection attempt (500ms, 5s, 1m)', default: `${DEFAULT_TIMEOUT_MS / 1000}s` },
      { flags: '--checks LIST', description: 'run a subset', default: CHECKS.join(',') },
    ],
    examples: [
      'palisade probe orders.internal:8443 --ca ca.pem --cert client.pem --key client-key.pem --expect-identity spiffe://example.org/ns/shop/sa/orders',
      'palisade probe 10.0.0.7:443 --servername api.example.com --format junit > probe.xml',
      'palisade probe [::1]:8443 --checks protocols,ciphers --fail-on high',
    ],
  },
  run: probeCommand,
};
