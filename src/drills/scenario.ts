// What a drill scenario is and what an attempt produces. Scenarios are data: a name, what the
// impostor forges, and what counts as resisting it. The families (client-scenarios.ts,
// server-tls-scenarios.ts, server-token-scenarios.ts, server-signature-scenarios.ts) are
// catalogues of these; one runner per family interprets them.

export type DrillFamily = 'client' | 'server';

/**
 * resisted: the peer refused the forgery. vulnerable: it accepted it. error: the drill could not
 * tell (the client never connected, the baseline failed, an unexpected answer).
 */
export type Outcome = 'resisted' | 'vulnerable' | 'error';
export const OUTCOMES: readonly Outcome[] = ['vulnerable', 'error', 'resisted'];

export interface ScenarioInfo {
  readonly name: string;
  /** What the impostor forges, for the report and the README. */
  readonly forges: string;
  /** What the peer must do for the scenario to count as resisted. */
  readonly resistedWhen: string;
  /**
   * Reported, never failed: accepting it is worth knowing but is not an exploitable hole by
   * itself (a client that does not notice the server skipped mTLS; a server that accepts an
   * over-privileged token it would only flag).
   */
  readonly informational?: boolean;
}

/** What a client under test sent to an impostor, recorded without any secret value. */
export interface ObservedRequest {
  readonly method: string;
  /** Path without the query: queries can carry secrets. */
  readonly path: string;
  /** Credential kinds sent to the impostor: `bearer token`, `signature`, `cookie`, `api key`, `basic auth`, `client certificate`. */
  readonly credentials: readonly string[];
}

export interface DrillResult {
  readonly family: DrillFamily;
  readonly scenario: string;
  /** A configured target name (never peer input): it is a metric label. */
  readonly target: string;
  readonly outcome: Outcome;
  readonly informational: boolean;
  readonly forges: string;
  readonly resistedWhen: string;
  /** One line: what was observed that decided the outcome. Never a secret. */
  readonly evidence: string;
  readonly durationMs: number;
  /** Client drills: the request the client sent, when it sent one. */
  readonly request?: ObservedRequest;
  /** Server drills: the HTTP status the server answered, when it answered. */
  readonly status?: number;
}

/** Vulnerable results that fail a drill (exit 1, a JUnit failure): informational ones do not. */
export function isFailing(result: Pick<DrillResult, 'outcome' | 'informational'>): boolean {
  return result.outcome === 'vulnerable' && !result.informational;
}

/** Worst first: failing, error, informational vulnerable, resisted. */
export function severityRank(result: Pick<DrillResult, 'outcome' | 'informational'>): number {
  if (isFailing(result)) return 0;
  if (result.outcome === 'error') return 1;
  if (result.outcome === 'vulnerable') return 2;
  return 3;
}

/** The genuine attempt every target starts with; when it fails, every scenario is `error`. */
export interface BaselineResult {
  readonly family: DrillFamily;
  readonly target: string;
  readonly ok: boolean;
  readonly evidence: string;
  readonly durationMs: number;
  /** Server drills: the genuine request's status. */
  readonly status?: number;
}

export interface TargetResults {
  readonly baseline: BaselineResult;
  readonly results: readonly DrillResult[];
}

/** One audit line: every attempt, baselines included. Never a secret. */
export interface AttemptRecord {
  readonly family: DrillFamily;
  readonly scenario: string;
  readonly target: string;
  readonly outcome: Outcome | 'baseline_ok' | 'baseline_failed';
  readonly evidence: string;
}
