// The one call shape both listeners record a finished request with: what is fixed once the
// request is routed (OutcomeBase), the decision, the status, and what forwarding added. A
// request the sidecar cut for being too slow is recorded as that, whatever else happened.
import type { Decision } from '../pipeline/decision.js';
import type { Recorder, RequestOutcome } from '../telemetry/recorder.js';

/** Known once the request is routed: who, where, which route. */
export type OutcomeBase = Omit<RequestOutcome, 'status' | 'durationSeconds' | 'reason' | 'decision' | 'findings'>;

/** What the outcome adds to the decision: the forwarding's reason and timing, or a refusal of the sidecar's own. */
export type OutcomeExtra = Partial<Omit<RequestOutcome, 'requestId' | 'listener' | 'durationSeconds'>>;

/**
 * `started`: performance.now() when the request arrived. `cut`: set when the sidecar cut the
 * request for being too slow (body guard or Node's requestTimeout), with why: it is recorded as
 * 408 request_timeout (the status kept when the response had already started).
 */
export function recordRequest(recorder: Recorder, base: OutcomeBase, started: number, decision: Decision, status: number, extra: OutcomeExtra = {}, cut?: string): void {
  const durationSeconds = (performance.now() - started) / 1000;
  if (cut !== undefined) {
    recorder.request({
      ...base,
      ...extra,
      decision: 'deny',
      reason: 'request_timeout',
      findings: [{ check: 'http', reason: 'request_timeout', severity: 'deny', detail: cut }],
      status: status === 0 || status === 499 ? 408 : status,
      durationSeconds,
      aborted: undefined,
    });
    return;
  }
  recorder.request({ ...base, decision: decision.kind, reason: decision.reason, findings: decision.findings, status, durationSeconds, ...extra });
}
