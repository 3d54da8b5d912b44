// THE ordered list of steps every egress request (the local app's outbound call) runs through
// before it is forwarded, the egress twin of src/pipeline/chain.ts. Each step returns findings
// and, where it changes what is sent, the request to send (upstream, path, headers, body, the
// pool to send it on); the findings are decided by the same decide() as inbound. Egress has no
// report mode: a deny finding always denies, and it stops the chain.
//
// It lives in proxy/ rather than next to chain.ts because its steps work on the egress state,
// the signer and the token sources, which live here and in egress-tokens/: from pipeline/ that
// would be an import from a lower folder up to a higher one. The header block is screened
// before the chain (egress-listener.ts), as inbound: a second Host could pick another upstream.
import type { IncomingMessage } from 'node:http';
import { decide, type Decision } from '../pipeline/decision.js';
import type { Finding } from '../core/findings.js';
import { attachEgressToken } from './egress-token-step.js';
import { resolveEgressTarget } from './egress-routing.js';
import type { EgressState, EgressUpstreamState } from './egress-state.js';
import type { Dispatchable } from './forward.js';
import { upstreamRequestHeaders } from './headers.js';
import { forwardable, type HeaderPolicy } from './header-hygiene.js';

/** What a step reads. */
export interface EgressRequest {
  readonly requestId: string;
  readonly req: IncomingMessage;
  readonly method: string;
  readonly state: EgressState;
  readonly headerPolicy: HeaderPolicy;
  /** The app declared a body (Transfer-Encoding, or a Content-Length other than 0). */
  readonly hasBody: boolean;
}

/** What will be sent, as far as the steps so far have built it. */
export interface Outgoing {
  readonly upstream: EgressUpstreamState;
  /** Path plus query, as the upstream receives it. */
  readonly path: string;
  /** undici's flat [name, value, ...] list. */
  readonly headers: string[];
  readonly body: IncomingMessage | Buffer | null;
  /** The upstream's pool, or the token retry around it. */
  readonly pool: Dispatchable;
}

export interface StepResult {
  readonly findings: readonly Finding[];
  /** Replaces what will be sent (a new header list, a body read here, another dispatcher). */
  readonly outgoing?: Outgoing;
}

export interface EgressStep {
  readonly name: string;
  run(request: EgressRequest, outgoing: Outgoing | undefined): StepResult | Promise<StepResult>;
}

const NOTHING: StepResult = { findings: [] };

/** Every egress finding is the egress listener's (the audit log names no finer check). */
function finding(reason: Finding['reason'], detail: string, severity: Finding['severity'] = 'deny'): Finding {
  return { check: 'egress', reason, severity, detail };
}

/** The app went away mid-body: nothing was sent upstream and there is no one to answer. */
function appLeft(detail: string): StepResult {
  return { findings: [finding('client_disconnected', detail, 'warn')] };
}

/**
 * The upstream from the request's authority (egress-routing.ts), and the app's headers for it:
 * hop-by-hop and sidecar-owned fields (x-forwarded-client-cert among them: the app must not
 * speak for a peer) removed, and Host dropped so undici sends the upstream's own authority; the
 * app's Host only chose the upstream.
 */
export const resolveUpstreamStep: EgressStep = {
  name: 'upstream',
  run({ req, requestId, state, headerPolicy, hasBody }) {
    const target = resolveEgressTarget(req.url ?? '/', req.headers.host, state.routes);
    if (!target.ok) return { findings: [finding(target.reason, target.detail)] };
    const upstream = state.upstreams.get(target.upstream);
    if (!upstream) return { findings: [finding('upstream_not_configured', 'upstream vanished from the state')] };
    const all = upstreamRequestHeaders(req.rawHeaders, req.headers.connection, { 'x-request-id': requestId }, forwardable(headerPolicy));
    const headers: string[] = [];
    for (let i = 0; i < all.length; i += 2) {
      if ((all[i] as string).toLowerCase() !== 'host') headers.push(all[i] as string, all[i + 1] as string);
    }
    return { findings: [], outgoing: { upstream, path: target.path, headers, body: hasBody ? req : null, pool: upstream.pool } };
  },
};

/** The upstream's bearer token replaces the app's Authorization (src/egress-tokens/). */
export const tokenStep: EgressStep = {
  name: 'token',
  async run({ req, method, state, hasBody }, outgoing) {
    if (!outgoing?.upstream.token) return NOTHING;
    const token = await attachEgressToken(outgoing.upstream, req, method, outgoing.path, outgoing.headers, hasBody, state.signer);
    if (!token.ok) return token.problem === 'incomplete' ? appLeft(token.detail) : { findings: [finding('token_unavailable', token.detail)] };
    return { findings: [], outgoing: { ...outgoing, headers: token.headers, body: token.body, pool: token.dispatcher } };
  },
};

/** RFC 9421: sign for the upstream's authority; a body is digested and sent as those bytes. */
export const signStep: EgressStep = {
  name: 'sign',
  async run({ req, method, state, hasBody }, outgoing) {
    if (!state.signer || !outgoing) return NOTHING;
    const signed = await state.signer.sign(req, method, outgoing.path, new URL(outgoing.upstream.config.url).host, outgoing.headers, hasBody);
    if (!signed.ok) return signed.problem === 'incomplete' ? appLeft(signed.detail) : { findings: [finding('body_too_large', signed.detail)] };
    return { findings: [], outgoing: { ...outgoing, headers: signed.headers, body: signed.body } };
  },
};

export const EGRESS_CHAIN: readonly EgressStep[] = [
  resolveUpstreamStep, // which upstream: nothing else can run before the request has one
  tokenStep, // attach the upstream's token: before signing, so the signature covers Authorization
  signStep, // last: it covers the final header list and digests the body it sends
];

export interface EgressEvaluation {
  readonly decision: Decision;
  /** What to send, once the upstream is resolved (present on a later step's denial too: it names the route). */
  readonly outgoing?: Outgoing;
  /** The app left while a step read its body: nothing to answer. */
  readonly appLeft: boolean;
}

export async function evaluateEgress(request: EgressRequest): Promise<EgressEvaluation> {
  const findings: Finding[] = [];
  let outgoing: Outgoing | undefined;
  for (const step of EGRESS_CHAIN) {
    const result = await step.run(request, outgoing);
    if (result.outgoing) outgoing = result.outgoing;
    if (result.findings.length === 0) continue;
    findings.push(...result.findings);
    const left = result.findings.some((found) => found.reason === 'client_disconnected');
    if (left || result.findings.some((found) => found.severity === 'deny')) {
      return { decision: decide(findings, 'enforce'), ...(outgoing ? { outgoing } : {}), appLeft: left };
    }
  }
  return { decision: decide(findings, 'enforce'), ...(outgoing ? { outgoing } : {}), appLeft: false };
}
