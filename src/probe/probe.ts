// The probe: reach the target, make one full handshake, then run the chosen check families in
// turn, each within the shared connection budget. Returns a report; never prints, never throws for
// anything the target does.
import { X509Certificate } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { worstFirst } from '../report/findings.js';
import { Budget } from './budget.js';
import { checkCertificate, summarize } from './certificate.js';
import { checkCiphers } from './ciphers.js';
import { attempt } from './connect.js';
import { TLS12_SUITES } from './cipher-suites.js';
import { checkHttp } from './http.js';
import { checkMtls } from './mtls.js';
import { checkProtocols } from './protocols.js';
import { serverFlight } from './raw-hello.js';
import { CHECKS, type CheckName, type CheckOutcome, type ProbeContext, type ProbeReport, type ProbeSettings, type ProbeTarget } from './types.js';

const RUNNERS: Record<CheckName, (context: ProbeContext) => Promise<CheckOutcome>> = {
  protocols: checkProtocols,
  ciphers: checkCiphers,
  certificate: checkCertificate,
  mtls: checkMtls,
  http: checkHttp,
};

function tcpReachable(target: ProbeTarget, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: target.host, port: target.port });
    const done = (problem: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(`no TCP connection within ${timeoutMs}ms`), timeoutMs);
    socket.on('connect', () => done(undefined));
    socket.on('error', (error: NodeJS.ErrnoException) => done(`TCP connection failed: ${error.code ?? error.message}`));
  });
}

export async function runProbe(target: ProbeTarget, settings: ProbeSettings): Promise<ProbeReport> {
  const startedAt = new Date();
  const base = { schema: 'palisade.probe.v1' as const, target: target.label, servername: target.servername ?? null, startedAt: startedAt.toISOString() };
  const unreachable = (error: string): ProbeReport => ({ ...base, durationMs: Date.now() - startedAt.getTime(), reachable: false, error, incomplete: false, checks: {}, findings: [] });

  const tcp = await tcpReachable(target, settings.timeoutMs);
  if (tcp) return unreachable(tcp);
  const first = await attempt(target, { cert: target.cert, key: target.key, ca: target.ca, alpn: ['h2', 'http/1.1'], timeoutMs: settings.timeoutMs });
  // A target that accepts TCP and then says nothing costs one timeout, not one per attempt.
  if (first.timedOut) return unreachable(`no TLS answer within ${settings.timeoutMs}ms`);
  if (!first.negotiated) return unreachable(`no TLS handshake: ${first.error ?? 'refused'} (not TLS, or no version and suite in common)`);

  const budget = new Budget(settings.concurrency, settings.deadlineMs - (Date.now() - startedAt.getTime()), settings.timeoutMs, settings.signal);
  const context: ProbeContext = { target, settings, budget, first, refusedSessions: [] };
  // The TLS 1.2 flight in the clear: the chain as sent and the CertificateRequest's CA names.
  if (first.protocol !== 'TLSv1.3' || settings.checks.has('certificate') || settings.checks.has('mtls') || settings.checks.has('http')) {
    const flight = await budget.run((timeoutMs) => serverFlight(target, { version: 'TLSv1.2', cipherCodes: TLS12_SUITES.map((suite) => suite.code), timeoutMs }));
    if (flight?.serverHello) context.flight = flight;
  }
  if (context.flight && context.flight.certificates.length > 0) {
    try {
      context.chain = context.flight.certificates.map((der) => new X509Certificate(der));
      context.chainAsSent = true;
    } catch {
      context.chain = undefined;
    }
  }
  if (!context.chain && first.chain && first.chain.length > 0) {
    context.chain = first.chain;
    context.chainAsSent = false;
  }

  const checks: Partial<Record<CheckName, CheckOutcome>> = {};
  for (const name of CHECKS) {
    if (!settings.checks.has(name)) continue;
    if (budget.expired) {
      checks[name] = { findings: [], facts: {}, skipped: 'deadline reached before this check started', durationMs: 0 };
      continue;
    }
    try {
      checks[name] = await RUNNERS[name](context);
    } catch (error) {
      // The target controls every byte the checks parse: a check that trips on one reports it
      // instead of taking the whole probe (or the sidecar's scheduler) down.
      checks[name] = { findings: [], facts: {}, skipped: `the check failed on what the target sent: ${(error as Error).message.slice(0, 200)}`, durationMs: 0 };
    }
  }
  const leaf = context.chain?.[0];
  let certificate;
  try {
    certificate = leaf ? summarize(leaf) : undefined;
  } catch {
    certificate = undefined;
  }
  return {
    ...base,
    durationMs: Date.now() - startedAt.getTime(),
    reachable: true,
    incomplete: budget.skipped > 0,
    negotiated: { version: first.protocol, cipher: first.cipher, group: first.group, alpn: first.alpn ?? null },
    ...(certificate ? { certificate } : {}),
    checks,
    findings: worstFirst(Object.values(checks).flatMap((outcome) => outcome?.findings ?? [])),
  };
}
