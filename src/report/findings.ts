// Findings: what a probe or drill concluded, one problem each, in a shape every renderer, metric
// and test reads the same way. A check/probe/drill module returns these; it never prints them.
//
// Severities are ordered; `info` is a fact worth showing that is not a problem.

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  /** The check family that produced it, e.g. `protocols`, `certificate`. */
  readonly check: string;
  /** Stable snake_case id, documented in the README; never contains peer input. */
  readonly id: string;
  readonly severity: Severity;
  /** One line a person reads first. */
  readonly title: string;
  /** What exactly was seen (may quote the target's values). */
  readonly detail: string;
  /** A short, actionable remedy. */
  readonly fix: string;
}

/** 0 for info up to 4 for critical. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) >= severityRank(threshold);
}

export function isSeverity(text: string): text is Severity {
  return (SEVERITIES as readonly string[]).includes(text);
}

/** Worst first; ties keep their order (a check lists its findings in a meaningful order). */
export function worstFirst<T extends Pick<Finding, 'severity'>>(findings: readonly T[]): T[] {
  return findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => severityRank(b.finding.severity) - severityRank(a.finding.severity) || a.index - b.index)
    .map(({ finding }) => finding);
}

/** The worst severity among `findings`, or undefined when there are none. */
export function worstSeverity(findings: readonly Pick<Finding, 'severity'>[]): Severity | undefined {
  return worstFirst(findings)[0]?.severity;
}
