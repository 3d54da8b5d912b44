// JWT verification for one listener (jose). The issuer is chosen by the token's `iss` among the
// configured ones; the algorithm must be on that issuer's allowlist; the key comes from that
// issuer's JWKS only. Headers that point elsewhere (jku, x5u, jwk, x5c) are refused outright:
// no fetch is ever driven by a token.
//
// Verified tokens are cached until exp, keyed by SHA-256 over the token and the presenting
// certificate's SHA-256, in a bounded LRU; a hit still requires that the verifying key is
// still published (a rotated-out key stops working when the key cache refreshes).
import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { IssuerConfig, TokenPolicyConfig } from '../config/tokens-schema.js';
import type { ReasonCode } from '../core/reasons.js';
import { LruCache } from '../core/lru.js';
import type { KeySet } from '../core/jwks.js';
import type { TokenMaterial } from '../config/load-tokens.js';
import { RemoteJwks } from './remote-jwks.js';
import type { VerifiedToken } from './types.js';

export type VerifyOutcome =
  | { readonly ok: true; readonly token: VerifiedToken; readonly cached: boolean }
  | { readonly ok: false; readonly issuer: string; readonly reason: ReasonCode; readonly detail: string };

const MAX_TOKEN_LENGTH = 16_384;
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'];

interface IssuerRuntime {
  readonly config: IssuerConfig;
  readonly file?: KeySet;
  readonly remote?: RemoteJwks;
}

interface CacheEntry {
  readonly token: VerifiedToken;
  readonly issuer: IssuerRuntime;
}

function fail(issuer: string, reason: ReasonCode, detail: string): VerifyOutcome {
  return { ok: false, issuer, reason, detail };
}

/** Every exception from jose maps to a reason code; the detail never repeats token content beyond jose's claim names. */
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
  // `scope` (RFC 8693/9068, space-delimited) is the default; Azure AD style `scp` arrays too.
  if (value === undefined && claim === 'scope') value = payload['scp'];
  if (value === undefined) return new Set();
  if (typeof value === 'string') return new Set(value.split(' ').filter((scope) => scope !== ''));
  if (Array.isArray(value) && value.every((scope) => typeof scope === 'string')) return new Set(value as string[]);
  return `${claim} is neither a string nor an array of strings`;
}

export class TokenVerifier {
  private readonly byIss = new Map<string, IssuerRuntime>();
  private readonly cache: LruCache<string, CacheEntry> | undefined;

  constructor(
    readonly policy: TokenPolicyConfig,
    material: TokenMaterial,
    /** Remote stores of the previous state, by settings: a reload keeps their keys. */
    previous: ReadonlyMap<string, RemoteJwks> | undefined,
    private readonly now: () => number = Date.now,
  ) {
    for (const issuer of policy.issuers) {
      const own = material.issuers.get(issuer.name);
      if (issuer.remote && own?.remoteCa !== undefined) {
        const key = RemoteJwks.settingsKey(issuer.remote, own.remoteCa);
        // A new store does not fetch yet: building a verifier must not touch the network, so a
        // reload that fails after this point costs the issuer nothing. `start()` does that.
        const store = previous?.get(key) ?? new RemoteJwks(issuer.remote, own.remoteCa);
        this.byIss.set(issuer.issuer, { config: issuer, remote: store });
      } else if (own?.keys) {
        this.byIss.set(issuer.issuer, { config: issuer, file: own.keys });
      }
    }
    this.cache = policy.cache.maxEntries > 0 ? new LruCache(policy.cache.maxEntries) : undefined;
  }

  /** Begin fetching every remote JWKS that has not started yet (after the swap; kept stores go on as they were). */
  start(): void {
    for (const issuer of this.byIss.values()) issuer.remote?.start();
  }

  /** Remote stores by settings, for the next reload to keep. */
  remoteStores(): Map<string, RemoteJwks> {
    const out = new Map<string, RemoteJwks>();
    for (const issuer of this.byIss.values()) {
      if (issuer.remote) out.set(RemoteJwks.settingsKey(issuer.remote.config, issuer.remote.ca), issuer.remote);
    }
    return out;
  }

  async verify(token: string, certSha256: string): Promise<VerifyOutcome> {
    if (token.length > MAX_TOKEN_LENGTH) return fail('unknown', 'token_invalid', `longer than ${MAX_TOKEN_LENGTH} characters`);
    const cacheKey = this.cache ? createHash('sha256').update(token).update('\u0000').update(certSha256).digest('base64') : '';
    const hit = this.cache?.get(cacheKey);
    if (hit) {
      if (hit.token.expiresAt > this.now() && (await this.stillPublished(hit))) return { ok: true, token: hit.token, cached: true };
      // Expired or its key was withdrawn: verify afresh (and report why it fails).
    }

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
    const issuer = typeof unverified.iss === 'string' ? this.byIss.get(unverified.iss) : undefined;
    if (!issuer) return fail('unknown', 'unknown_issuer', 'iss is not a configured issuer');
    const name = issuer.config.name;
    const alg = header.alg;
    if (typeof alg !== 'string' || !(issuer.config.algorithms as readonly string[]).includes(alg)) {
      return fail(name, 'token_invalid', `alg ${typeof alg === 'string' ? alg.slice(0, 16) : 'missing'} is not allowed for this issuer`);
    }
    const kid = typeof header.kid === 'string' ? header.kid : undefined;

    let keys: KeySet | undefined;
    if (issuer.remote) {
      keys = await issuer.remote.current();
      if (!keys) return fail(name, 'token_keys_unavailable', `JWKS never loaded: ${issuer.remote.lastError ?? 'no answer yet'}`);
    } else {
      keys = issuer.file;
    }
    let key = keys?.select(alg, kid);
    if (!key && issuer.remote && kid !== undefined && !keys?.hasKid(kid)) {
      keys = await issuer.remote.refreshForUnknownKid();
      key = keys?.select(alg, kid);
    }
    if (!key || !keys) return fail(name, 'token_invalid', kid === undefined ? 'no kid and no single key for the algorithm' : 'no published key for this kid and algorithm');

    let payload: JWTPayload;
    try {
      const cryptoKey = await keys.importKey(key, alg);
      ({ payload } = await jwtVerify(token, cryptoKey, {
        algorithms: issuer.config.algorithms,
        issuer: issuer.config.issuer,
        audience: issuer.config.audiences,
        clockTolerance: Math.round(this.policy.clockToleranceMs / 1000),
        requiredClaims: this.policy.maxLifetimeMs === null ? ['exp'] : ['exp', 'iat'],
        ...(this.policy.requireAtJwt ? { typ: 'at+jwt' } : {}),
      }));
    } catch (error) {
      const mapped = reasonForError(error);
      return fail(name, mapped.reason, mapped.detail);
    }

    const exp = payload.exp as number;
    if (this.policy.maxLifetimeMs !== null) {
      const lifetimeMs = (exp - (payload.iat as number)) * 1000;
      if (lifetimeMs > this.policy.maxLifetimeMs) return fail(name, 'token_lifetime_too_long', `lifetime ${Math.round(lifetimeMs / 1000)}s exceeds ${Math.round(this.policy.maxLifetimeMs / 1000)}s`);
    }
    const scopes = readScopes(payload, this.policy.scopeClaim);
    if (typeof scopes === 'string') return fail(name, 'token_invalid', scopes);
    const cnf = payload['cnf'];
    let x5tS256: string | undefined;
    if (cnf !== undefined) {
      const value = (cnf as Record<string, unknown> | null)?.['x5t#S256'];
      if (value !== undefined && typeof value !== 'string') return fail(name, 'token_invalid', 'cnf.x5t#S256 is not a string');
      x5tS256 = value;
    }
    const subjectClaim = payload[this.policy.subject.claim];
    const verified: VerifiedToken = {
      issuer: name,
      subject: typeof payload.sub === 'string' ? payload.sub : undefined,
      subjectClaim: typeof subjectClaim === 'string' ? subjectClaim : undefined,
      kid,
      jti: typeof payload.jti === 'string' ? payload.jti : undefined,
      scopes,
      expiresAt: exp * 1000,
      x5tS256,
      keyId: key.id,
    };
    this.cache?.set(cacheKey, { token: verified, issuer });
    return { ok: true, token: verified, cached: false };
  }

  private async stillPublished(entry: CacheEntry): Promise<boolean> {
    const keys = entry.issuer.remote ? await entry.issuer.remote.current() : entry.issuer.file;
    return keys?.ids.has(entry.token.keyId) ?? false;
  }
}
