// Server drills against one target: a baseline with the genuine credentials that must answer
// 2xx, then one impostor request per scenario, each the baseline with one thing forged:
//   vulnerable  the server answered like the baseline (2xx);
//   resisted    it refused the handshake or answered 401/403;
//   error       anything else (unreachable, a timeout, another status), or the baseline failed.
import { signRequestHeaders } from '../signatures/sign-request.js';
import type { DrillRunContext } from './client-drill.js';
import { ImpostorCertFactory, type PemPair } from './impostor-certs.js';
import type { LoadedServerTarget } from './load.js';
import { SERVER_BASELINE, type ServerScenario } from './server-scenario.js';
import { sendAttempt, type AttemptAnswer, type OutgoingAttempt } from './server-request.js';
import { forgeToken } from './token-forge.js';
import type { BaselineResult, DrillResult, Outcome, TargetResults } from './scenario.js';

/** The header every drill request carries: it names the scenario in the server's logs, and is the covered header header_tampered changes. */
export const DRILL_HEADER = 'x-palisade-drill';

interface Prepared {
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly cert?: PemPair;
}

type Plan = { ok: true; value: Prepared } | { ok: false; why: string };

class ServerTargetDrill {
  private readonly certs: ImpostorCertFactory;
  private otherCert: Promise<string> | undefined;
  private baselineRequest: Prepared | undefined;

  constructor(private readonly target: LoadedServerTarget, private readonly address: string, private readonly context: DrillRunContext) {
    this.certs = new ImpostorCertFactory({ genuine: target.clientCert, certificates: context.certificates, ...(context.stagingCa ? { stagingCa: context.stagingCa } : {}) });
  }

  /** The request for one scenario: genuine everywhere except what it forges. */
  private async prepare(scenario: ServerScenario): Promise<Plan> {
    if (scenario.signature === 'replay') {
      return this.baselineRequest ? { ok: true, value: this.baselineRequest } : { ok: false, why: 'no baseline request to replay' };
    }
    const config = this.target.config;
    const cert = scenario.clientCert === 'none' ? undefined : await this.certs.build(scenario.clientCert ?? { from: 'genuine' });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
    headers[DRILL_HEADER] = scenario.name;
    if (config.token && this.target.tokenKey) {
      this.otherCert ??= this.context.certificates.createSelfSignedLeaf({ commonName: 'palisade-drill-other-cert', extendedKeyUsages: ['clientAuth'] }).then((issued) => issued.certPem);
      const token = await forgeToken({ spec: config.token, key: this.target.tokenKey, genuineCertPem: this.target.clientCert.certPem, otherCertPem: await this.otherCert }, scenario.token);
      if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    }
    let body = config.body;
    const signature = config.signature;
    if (signature && this.target.signatureKey && scenario.signature !== 'strip') {
      let tampered: string | undefined;
      if (scenario.signature === 'tamper_header') {
        tampered = signature.components.find((name) => !name.startsWith('@') && name !== 'content-digest' && !name.startsWith('"@'));
        if (tampered === undefined) return { ok: false, why: 'no covered header field to tamper with: add one (e.g. x-palisade-drill) to signature.components' };
        tampered = tampered.replace(/^"|"(;.*)?$/g, '').toLowerCase();
      }
      if (scenario.signature === 'tamper_body' && (body === undefined || body === '')) {
        return { ok: false, why: `the baseline has no body to tamper with: give servers[].body (and a method such as POST)` };
      }
      const signed = signRequestHeaders({
        key: this.target.signatureKey,
        algorithm: signature.algorithm,
        keyid: signature.keyid,
        url: config.url,
        method: config.method,
        headers: Object.entries(headers),
        ...(body !== undefined ? { body } : {}),
        components: signature.components,
        label: signature.label,
        expiresInMs: signature.expiresInSeconds * 1000,
        ...(scenario.signature === 'expired' ? { now: Date.now() - 3_600_000 } : {}),
      });
      for (const [name, value] of signed) headers[name.toLowerCase()] = value;
      if (tampered !== undefined) headers[tampered] = `${headers[tampered] ?? ''}-forged`;
      if (scenario.signature === 'tamper_body') body = `${body} `;
    }
    return { ok: true, value: { headers, ...(body !== undefined ? { body } : {}), ...(cert ? { cert } : {}) } };
  }

  private async send(scenario: ServerScenario): Promise<{ answer: AttemptAnswer; prepared?: Prepared }> {
    const permit = await this.context.budget.next();
    if (!permit.ok) return { answer: { kind: 'error', why: `not run: ${permit.reason}` } };
    let plan: Plan;
    try {
      plan = await this.prepare(scenario);
    } catch (error) {
      return { answer: { kind: 'error', why: `could not forge the request: ${(error as Error).message}` } };
    }
    if (!plan.ok) return { answer: { kind: 'error', why: plan.why } };
    const config = this.target.config;
    const attempt: OutgoingAttempt = {
      address: this.address,
      url: new URL(config.url),
      ...(config.tls.serverName ? { servername: config.tls.serverName } : {}),
      method: config.method,
      headers: plan.value.headers,
      ...(plan.value.body !== undefined ? { body: plan.value.body } : {}),
      caPem: this.target.caPem,
      ...(plan.value.cert ? { cert: plan.value.cert.certPem, key: plan.value.cert.keyPem } : {}),
      ...(scenario.protocol ? { protocol: scenario.protocol } : {}),
      timeoutMs: permit.timeoutMs,
    };
    return { answer: await sendAttempt(attempt), prepared: plan.value };
  }

  async run(): Promise<TargetResults> {
    const name = this.target.config.name;
    const started = Date.now();
    const first = await this.send(SERVER_BASELINE);
    const ok = first.answer.kind === 'response' && first.answer.status >= 200 && first.answer.status < 300;
    if (ok) this.baselineRequest = first.prepared;
    const baseline: BaselineResult = {
      family: 'server',
      target: name,
      ok,
      evidence: first.answer.kind === 'response' ? `the genuine request got ${first.answer.status}` : first.answer.why,
      durationMs: Date.now() - started,
      ...(first.answer.kind === 'response' ? { status: first.answer.status } : {}),
    };
    this.context.onAttempt({ family: 'server', scenario: 'baseline', target: name, outcome: ok ? 'baseline_ok' : 'baseline_failed', evidence: baseline.evidence });
    const results: DrillResult[] = [];
    for (const scenario of this.target.scenarios) {
      if (!ok) {
        results.push(serverResult(name, scenario, 'error', `not run: the baseline failed (${baseline.evidence})`, 0));
        continue;
      }
      const begin = Date.now();
      const { answer } = await this.send(scenario);
      const [outcome, evidence] = serverVerdict(answer);
      const out = serverResult(name, scenario, outcome, evidence, Date.now() - begin, answer.kind === 'response' ? answer.status : undefined);
      this.context.onAttempt({ family: 'server', scenario: scenario.name, target: name, outcome, evidence });
      results.push(out);
    }
    return { baseline, results };
  }
}

export function serverVerdict(answer: AttemptAnswer): [Outcome, string] {
  if (answer.kind === 'refused') return ['resisted', answer.why];
  if (answer.kind === 'error') return ['error', answer.why];
  if (answer.status === 401 || answer.status === 403) return ['resisted', `answered ${answer.status}`];
  if (answer.status >= 200 && answer.status < 300) return ['vulnerable', `answered ${answer.status}, like the genuine request`];
  return ['error', `answered ${answer.status}: neither accepted like the baseline nor refused with 401/403`];
}

function serverResult(target: string, scenario: ServerScenario, outcome: Outcome, evidence: string, durationMs: number, status?: number): DrillResult {
  return {
    family: 'server',
    scenario: scenario.name,
    target,
    outcome,
    informational: scenario.informational === true,
    forges: scenario.forges,
    resistedWhen: scenario.resistedWhen,
    evidence,
    durationMs,
    ...(status !== undefined ? { status } : {}),
  };
}

export function runServerTarget(target: LoadedServerTarget, address: string, context: DrillRunContext): Promise<TargetResults> {
  return new ServerTargetDrill(target, address, context).run();
}
