// Client drills against one target: the baseline with the genuine certificate, then one
// impostor per scenario. Decides each outcome from what the impostor saw:
//   vulnerable  the client completed the handshake and sent an HTTP request;
//   resisted    it connected and gave up (aborted the handshake, or closed without a request);
//   error       it never connected, or the baseline did not get a request.
import type { CertificateIssuer, IssuedCertificate } from '../core/certificate-issuer.js';
import type { AttemptBudget } from './budget.js';
import { CLIENT_BASELINE, type ClientScenario } from './client-scenarios.js';
import { runClientCommand, substitute } from './client-command.js';
import { startImpostor, type ImpostorObservations } from './client-impostor.js';
import { leakedCredentials } from './credentials.js';
import { ImpostorCertFactory } from './impostor-certs.js';
import type { LoadedClientTarget } from './load.js';
import type { AttemptRecord, BaselineResult, DrillResult, Outcome, TargetResults } from './scenario.js';

export interface DrillRunContext {
  readonly budget: AttemptBudget;
  readonly stagingCa?: IssuedCertificate;
  /** Makes the impostor certificates (the one that loaded `stagingCa`). */
  readonly certificates: CertificateIssuer;
  /** Called once per attempt (the audit line), baselines included. */
  readonly onAttempt: (record: AttemptRecord) => void;
}

interface Verdict {
  readonly outcome: Outcome;
  readonly evidence: string;
  readonly request?: DrillResult['request'];
}

/** Time for connection events to arrive after the client command has exited. */
const SETTLE_MS = 500;

export function clientVerdict(observed: ImpostorObservations, how: string): Verdict {
  const request = observed.requests[0];
  if (request) {
    const leaked = leakedCredentials(request.credentials);
    const presented = request.credentials.filter((kind) => !leaked.includes(kind));
    const sent = `sent ${request.method} ${request.path}${presented.length > 0 ? ` with ${presented.join(', ')}` : ''}`;
    return { outcome: 'vulnerable', evidence: leaked.length > 0 ? `${sent}; leaked credential: ${leaked.join(', ')}` : `${sent} (no credential)`, request };
  }
  if (observed.connections > 0) {
    const why = observed.handshakeErrors[0];
    if (why) return { outcome: 'resisted', evidence: why };
    return {
      outcome: 'resisted',
      evidence: observed.handshakes > 0 ? 'completed the handshake, then closed without sending a request' : 'connected, then closed before completing the handshake',
    };
  }
  return { outcome: 'error', evidence: `the client never connected (${how})` };
}

function result(target: string, scenario: ClientScenario, verdict: Verdict, durationMs: number): DrillResult {
  return {
    family: 'client',
    scenario: scenario.name,
    target,
    outcome: verdict.outcome,
    informational: scenario.informational === true,
    forges: scenario.forges,
    resistedWhen: scenario.resistedWhen,
    evidence: verdict.evidence,
    durationMs,
    ...(verdict.request ? { request: verdict.request } : {}),
  };
}

async function attempt(target: LoadedClientTarget, address: string, scenario: ClientScenario, certs: ImpostorCertFactory, context: DrillRunContext): Promise<Verdict> {
  const permit = await context.budget.next();
  if (!permit.ok) return { outcome: 'error', evidence: `not run: ${permit.reason}` };
  let material;
  try {
    material = scenario.certificate === 'none' ? undefined : await certs.build(scenario.certificate);
  } catch (error) {
    return { outcome: 'error', evidence: `could not forge the certificate: ${(error as Error).message}` };
  }
  let impostor;
  try {
    impostor = await startImpostor(scenario, material, address, target.config.listen.port);
  } catch (error) {
    return { outcome: 'error', evidence: `could not listen on ${address}:${target.config.listen.port}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  try {
    let how: string;
    if (target.config.command !== undefined) {
      const url = `https://${target.config.host}:${impostor.port}${target.config.path}`;
      const run = await runClientCommand(substitute(target.config.command, { url, host: target.config.host, port: impostor.port }), permit.timeoutMs);
      how = run.timedOut ? `the command was killed after ${permit.timeoutMs} ms` : `the command exited ${run.code ?? '?'}`;
      await impostor.settle(SETTLE_MS);
    } else {
      const waitMs = Math.min(target.config.waitMs as number, permit.timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      await impostor.settle(SETTLE_MS);
      how = `waited ${waitMs} ms on ${address}:${impostor.port}`;
    }
    return clientVerdict(impostor.observed, how);
  } finally {
    await impostor.close();
  }
}

export async function runClientTarget(target: LoadedClientTarget, address: string, context: DrillRunContext): Promise<TargetResults> {
  const certs = new ImpostorCertFactory({ genuine: target.genuine, certificates: context.certificates, ...(context.stagingCa ? { stagingCa: context.stagingCa } : {}) });
  const name = target.config.name;
  const started = Date.now();
  const first = await attempt(target, address, CLIENT_BASELINE, certs, context);
  const baseline: BaselineResult = {
    family: 'client',
    target: name,
    ok: first.outcome === 'vulnerable',
    evidence: first.request ? `the client called the genuine server: ${first.request.method} ${first.request.path}${first.request.credentials.length > 0 ? ` with ${first.request.credentials.join(', ')}` : ''}` : first.evidence,
    durationMs: Date.now() - started,
  };
  context.onAttempt({ family: 'client', scenario: 'baseline', target: name, outcome: baseline.ok ? 'baseline_ok' : 'baseline_failed', evidence: baseline.evidence });
  const results: DrillResult[] = [];
  for (const scenario of target.scenarios) {
    if (!baseline.ok) {
      // The genuine server got no request: no impostor outcome would mean anything, so none is sent.
      results.push(result(name, scenario, { outcome: 'error', evidence: `not run: the baseline failed (${baseline.evidence})` }, 0));
      continue;
    }
    const begin = Date.now();
    const verdict = await attempt(target, address, scenario, certs, context);
    const out = result(name, scenario, verdict, Date.now() - begin);
    context.onAttempt({ family: 'client', scenario: scenario.name, target: name, outcome: out.outcome, evidence: out.evidence });
    results.push(out);
  }
  return { baseline, results };
}
