// The one place findings become a decision.
//   enforce: any deny finding denies;
//   report:  deny findings are recorded as would_deny and the request goes on,
//            except reasons marked `always` (the request cannot be forwarded faithfully).
import type { Mode } from '../config/schema.js';
import { REASONS, type ReasonCode } from '../core/reasons.js';
import type { Finding } from '../core/findings.js';

export type DecisionKind = 'allow' | 'deny' | 'would_deny';

export interface Decision {
  readonly kind: DecisionKind;
  /** The primary reason: the first deny finding ("none" when allowed cleanly). */
  readonly reason: ReasonCode | 'none';
  readonly findings: readonly Finding[];
}

export function decide(findings: readonly Finding[], mode: Mode): Decision {
  let primary: Finding | undefined;
  let forced: Finding | undefined;
  let reported: Finding | undefined;
  for (const finding of findings) {
    if (finding.severity !== 'deny') continue;
    if (finding.reportOnly) {
      reported ??= finding;
      continue;
    }
    primary ??= finding;
    if (!forced && (REASONS[finding.reason] as { always?: boolean }).always) forced = finding;
  }
  if (forced) return { kind: 'deny', reason: forced.reason, findings };
  // Report-only policies (least privilege in report) count as would_deny in any mode.
  if (!primary) return reported ? { kind: 'would_deny', reason: reported.reason, findings } : { kind: 'allow', reason: 'none', findings };
  return { kind: mode === 'enforce' ? 'deny' : 'would_deny', reason: primary.reason, findings };
}
