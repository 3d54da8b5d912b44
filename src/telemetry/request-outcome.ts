// What the listeners hand the recorder when a request is finished: the metric labels, the audit
// line's fields and the facts the checks established.
import type { DecisionKind } from '../pipeline/decision.js';
import type { RequestFacts } from '../checks/facts.js';
import type { ReasonCode } from '../core/reasons.js';
import type { Finding } from '../core/findings.js';

export interface RequestOutcome {
  readonly requestId: string;
  readonly listener: string;
  /** Route name, or "unmatched". */
  readonly route: string;
  readonly method: string;
  /** The normalized path without the query (queries can hold secrets), or "-" when refused. */
  readonly path: string;
  readonly peer: string | undefined;
  readonly decision: DecisionKind;
  readonly reason: ReasonCode | 'none';
  readonly findings: readonly Finding[];
  readonly status: number;
  readonly durationSeconds: number;
  readonly upstreamSeconds?: number;
  /** Set when the response was cut off after its headers (upstream reset, client gone). */
  readonly aborted?: string;
  /** Egress only: the configured upstream the request went to (also the `upstream` metric label). */
  readonly upstream?: string;
  /** Inbound: what the checks established (token verification, scopes used), for metrics and the inventory. */
  readonly facts?: RequestFacts;
}
