// What a request check concluded: one problem each, with the stable reason code that ends up in
// the denial body, the metric label and the audit log line. The pipeline's checks return these,
// the listeners' own refusals (header hygiene, egress routing) build them too, and decide(),
// the response writer and the recorder read them; so the shape sits below all of them.
// (Probe and drill findings, rated info..critical for a report, are report/findings.ts.)
import type { ReasonCode } from './reasons.js';

export type Severity = 'deny' | 'warn';

export interface Finding {
  /** The check that produced it, e.g. "identity-authorization". */
  readonly check: string;
  readonly reason: ReasonCode;
  readonly severity: Severity;
  /** For the audit log: what exactly was wrong. Never holds a secret. */
  readonly detail?: string;
  /** RFC 6750 challenge for a token denial; rescue.ts turns it into WWW-Authenticate. */
  readonly bearer?: BearerChallenge;
  /**
   * A deny finding from a policy configured to report only (tokens.leastPrivilege: report):
   * decided as would_deny even on an enforcing route, and it does not stop the chain.
   */
  readonly reportOnly?: boolean;
  /** RFC 9421 §5.1 Accept-Signature value for a signature_missing denial; rescue.ts sets the header. */
  readonly acceptSignature?: string;
  /**
   * Whole seconds after which the same request could succeed (a limit that refills); rescue.ts
   * sends it as Retry-After, in place of the reason's fixed value.
   */
  readonly retryAfterSeconds?: number;
}

/** `WWW-Authenticate: Bearer error="…", scope="…"` (no error when no token was sent, RFC 6750 §3.1). */
export interface BearerChallenge {
  readonly error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  /** Space-delimited scopes the route requires (insufficient_scope). */
  readonly scope?: string;
}
