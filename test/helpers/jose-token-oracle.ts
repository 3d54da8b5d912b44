// The reference verdict for the token verifier's differential test: the verification steps the
// verifier took when it was built on jose (decodeProtectedHeader, decodeJwt, importJWK and
// jwtVerify, WebCrypto underneath), with its mapping of jose's errors to reason codes and
// details. No cache: the verdict on one token, with file keys, at a given instant.
import { decodeJwt, decodeProtectedHeader, errors, importJWK, jwtVerify, type JWTPayload } from 'jose';
import type { TokenPolicyConfig } from '../../src/config/tokens-schema.js';
import type { KeySet } from '../../src/core/jwks.js';
import type { ReasonCode } from '../../src/core/reasons.js';

export type Verdict =
  | { readonly ok: true; readonly issuer: string; readonly keyId: string; readonly scopes: string[]; readonly x5tS256: string | undefined; readonly expiresAt: number }
  | { readonly ok: false; readonly issuer: string; readonly reason: ReasonCode; readonly detail: string };

const MAX_TOKEN_LENGTH = 16_384;
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'];

/** Every exception from jose maps to a reason code (the mapping the verifier used with jose). */
export function reasonForError(error: unknown): { reason: ReasonCode; detail: string } {
  if (error instanceof errors.JWTExpired) return { reason: 'token_expired', detail: 'exp is in the past' };
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return { reason: 'wrong_audience', detail: 'aud does not name this service' };
    if (error.claim === 'iss') return { reason: 'unknown_issuer', detail: 'iss is not configured' };
    if (error.claim === 'nbf') return { reason: 'token_invalid', detail: 'not yet valid (nbf)' };
    return { reason: 'token_invalid', detail: `claim ${error.claim}: ${error.reason}` };
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return { reason: 'token_invalid', detail: 'alg not allowed' };
  if (error instanceof errors.JWSSignatureVerificationFailed) return { reason: 'token_invalid', detail: 'signature does not verify' };
  if (error instanceof errors.JOSEError) return { reason: 'token_invalid', detail: error.code };
  return { reason: 'token_invalid', detail: 'malformed token' };
}

function readScopes(payload: JWTPayload, claim: string): Set<string> | string {
  let value = payload[claim];
  if (value === undefined && claim === 'scope') value = payload['scp'];
  if (value === undefined) return new Set();
  if (typeof value === 'string') return new Set(value.split(' ').filter((scope) => scope !== ''));
  if (Array.isArray(value) && value.every((scope) => typeof scope === 'string')) return new Set(value as string[]);
  return `${claim} is neither a string nor an array of strings`;
}

/** jose's verdict on `token` for `policy`, with each issuer's keys from `keysByIssuer` (by name), at `nowMs`. */
export async function joseVerdict(token: string, policy: TokenPolicyConfig, keysByIssuer: ReadonlyMap<string, KeySet>, nowMs: number): Promise<Verdict> {
  const fail = (issuer: string, reason: ReasonCode, detail: string): Verdict => ({ ok: false, issuer, reason, detail });
  if (token.length > MAX_TOKEN_LENGTH) return fail('unknown', 'token_invalid', `longer than ${MAX_TOKEN_LENGTH} characters`);
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    unverified = decodeJwt(token);
  } catch {
    return fail('unknown', 'token_invalid', 'malformed token');
  }
  for (const name of FORBIDDEN_HEADERS) {
    if (name in header) return fail('unknown', 'token_invalid', `header "${name}" is refused: keys come from configuration only`);
  }
  const issuer = typeof unverified.iss === 'string' ? policy.issuers.find((candidate) => candidate.issuer === unverified.iss) : undefined;
  const keys = issuer ? keysByIssuer.get(issuer.name) : undefined;
  if (!issuer || !keys) return fail('unknown', 'unknown_issuer', 'iss is not a configured issuer');
  const name = issuer.name;
  const alg = header.alg;
  if (typeof alg !== 'string' || !(issuer.algorithms as readonly string[]).includes(alg)) {
    return fail(name, 'token_invalid', `alg ${typeof alg === 'string' ? alg.slice(0, 16) : 'missing'} is not allowed for this issuer`);
  }
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const key = keys.select(alg, kid);
  if (!key) return fail(name, 'token_invalid', kid === undefined ? 'no kid and no single key for the algorithm' : 'no published key for this kid and algorithm');

  let payload: JWTPayload;
  try {
    const cryptoKey = await importJWK(key.jwk, alg);
    ({ payload } = await jwtVerify(token, cryptoKey, {
      algorithms: issuer.algorithms,
      issuer: issuer.issuer,
      audience: issuer.audiences,
      clockTolerance: Math.round(policy.clockToleranceMs / 1000),
      requiredClaims: policy.maxLifetimeMs === null ? ['exp'] : ['exp', 'iat'],
      currentDate: new Date(nowMs),
      ...(policy.requireAtJwt ? { typ: 'at+jwt' } : {}),
    }));
  } catch (error) {
    const mapped = reasonForError(error);
    return fail(name, mapped.reason, mapped.detail);
  }
  const exp = payload.exp as number;
  if (policy.maxLifetimeMs !== null) {
    const lifetimeMs = (exp - (payload.iat as number)) * 1000;
    if (lifetimeMs > policy.maxLifetimeMs) return fail(name, 'token_lifetime_too_long', `lifetime ${Math.round(lifetimeMs / 1000)}s exceeds ${Math.round(policy.maxLifetimeMs / 1000)}s`);
  }
  const scopes = readScopes(payload, policy.scopeClaim);
  if (typeof scopes === 'string') return fail(name, 'token_invalid', scopes);
  const cnf = payload['cnf'];
  let x5tS256: string | undefined;
  if (cnf !== undefined) {
    const value = (cnf as Record<string, unknown> | null)?.['x5t#S256'];
    if (value !== undefined && typeof value !== 'string') return fail(name, 'token_invalid', 'cnf.x5t#S256 is not a string');
    x5tS256 = value;
  }
  return { ok: true, issuer: name, keyId: key.id, scopes: [...scopes], x5tS256, expiresAt: exp * 1000 };
}
