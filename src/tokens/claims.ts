// The JWT claims checks (RFC 7519 §4.1, RFC 9068 §2.1), in the order and with the outcomes jose's
// jwtVerify gave for our options, so a token refused before is refused now with the same reason
// and detail: `typ` (when at+jwt is required), the presence of iss, aud, iat (when a lifetime
// limit needs it) and exp, iss, aud (a string, or an array naming one of ours), then iat, nbf and
// exp must be finite numbers, nbf not in the future and exp not in the past, within the clock tolerance.
import type { ReasonCode } from '../core/reasons.js';
import type { JsonObject } from './compact-jws.js';

export interface ClaimRules {
  /** The exact `iss`. */
  readonly issuer: string;
  /** `aud` must name one of these. */
  readonly audiences: readonly string[];
  /** Clock tolerance in whole seconds, for nbf and exp. */
  readonly toleranceSeconds: number;
  /** Claims that must be present besides iss and aud: exp, and iat when the lifetime is limited. */
  readonly requireIat: boolean;
  /** RFC 9068: the header's typ must be at+jwt (or application/at+jwt, any case). */
  readonly requireAtJwt: boolean;
}

export interface ClaimsProblem {
  readonly reason: ReasonCode;
  readonly detail: string;
}

/** A failed claim, worded as the token check always has (aud, iss and nbf have their own wording). */
function claimFailed(claim: string, why: 'missing' | 'invalid' | 'check_failed'): ClaimsProblem {
  if (claim === 'aud') return { reason: 'wrong_audience', detail: 'aud does not name this service' };
  if (claim === 'iss') return { reason: 'unknown_issuer', detail: 'iss is not configured' };
  if (claim === 'nbf') return { reason: 'token_invalid', detail: 'not yet valid (nbf)' };
  return { reason: 'token_invalid', detail: `claim ${claim}: ${why}` };
}

/** RFC 9068 §4 / jose: a media type without "/" means application/<it>; compared without case. */
function normalizeTyp(value: string): string {
  const lower = value.toLowerCase();
  return value.includes('/') ? lower : `application/${lower}`;
}

const AT_JWT = normalizeTyp('at+jwt');

/**
 * RFC 7519 §2 NumericDate: a JSON number of seconds. JSON.parse turns 1e400 into Infinity, which
 * jose accepted (an exp of Infinity never expires, and an Infinity lifetime compares as NaN);
 * a date that is not a finite number is refused here, stricter than jose.
 */
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function audienceMatches(aud: unknown, audiences: readonly string[]): boolean {
  if (typeof aud === 'string') return audiences.includes(aud);
  // Members that are not strings never equal a configured audience; they do not fail the token.
  if (Array.isArray(aud)) return audiences.some((audience) => aud.includes(audience));
  return false;
}

/** The first problem with the claims set of a token whose signature verified, or undefined. */
export function claimsProblem(header: JsonObject, claims: JsonObject, rules: ClaimRules, nowSeconds: number): ClaimsProblem | undefined {
  if (rules.requireAtJwt && (typeof header['typ'] !== 'string' || normalizeTyp(header['typ']) !== AT_JWT)) return claimFailed('typ', 'check_failed');

  for (const claim of rules.requireIat ? ['iss', 'aud', 'iat', 'exp'] : ['iss', 'aud', 'exp']) {
    if (!Object.hasOwn(claims, claim)) return claimFailed(claim, 'missing');
  }
  if (claims['iss'] !== rules.issuer) return claimFailed('iss', 'check_failed');
  if (!audienceMatches(claims['aud'], rules.audiences)) return claimFailed('aud', 'check_failed');

  const tolerance = rules.toleranceSeconds;
  const iat = claims['iat'];
  if (iat !== undefined && !isNumericDate(iat)) return claimFailed('iat', 'invalid');
  const nbf = claims['nbf'];
  if (nbf !== undefined) {
    if (!isNumericDate(nbf)) return claimFailed('nbf', 'invalid');
    if (nbf > nowSeconds + tolerance) return claimFailed('nbf', 'check_failed');
  }
  const exp = claims['exp'];
  if (!isNumericDate(exp)) return claimFailed('exp', 'invalid');
  if (exp <= nowSeconds - tolerance) return { reason: 'token_expired', detail: 'exp is in the past' };
  return undefined;
}
