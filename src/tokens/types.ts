// What token verification establishes about a request, kept on the request's facts for the
// checks after it (binding, scopes, least privilege) and for telemetry. Never holds the token.
import type { ReasonCode } from '../core/reasons.js';

export interface VerifiedToken {
  /** The configured issuer name (the `issuer` metric label). */
  readonly issuer: string;
  readonly subject: string | undefined;
  /** The value of the configured subject claim (tokens.subject.claim), when it is a string. */
  readonly subjectClaim: string | undefined;
  readonly kid: string | undefined;
  readonly jti: string | undefined;
  readonly scopes: ReadonlySet<string>;
  /** exp, in ms since the epoch. */
  readonly expiresAt: number;
  /** RFC 8705 cnf.x5t#S256, as the token carries it. */
  readonly x5tS256: string | undefined;
  /** KeySpec.id of the key that verified it. */
  readonly keyId: string;
}

export interface TokenVerificationFact {
  /** Configured issuer name, or "unknown". */
  readonly issuer: string;
  readonly result: 'success' | 'failure';
  readonly reason: ReasonCode | 'none';
  /** Served from the verified-token cache. */
  readonly cached: boolean;
}
