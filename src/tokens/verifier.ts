// JWT verification for one listener, on node:crypto. The issuer is chosen by the token's `iss`
// among the configured ones; the algorithm must be on that issuer's allowlist; the key comes from
// that issuer's JWKS only. Headers that point elsewhere (jku, x5u, jwk, x5c) are refused outright:
// no fetch is ever driven by a token.
//
// A linear list of steps, cheapest first, each refusing with a stable reason and detail (the
// ones jose's jwtVerify led to when it did this, so responses, metrics and logs are unchanged):
// size cap; strict compact parsing (compact-jws.ts); forbidden headers; issuer by iss; alg on
// the allowlist; key by kid and alg (a remote JWKS refetched once for an unknown kid); the key
// imports as a public key; `crit` names only extensions we implement (b64), and b64 is a
// boolean; the signature part decodes; RSA keys have >= 2048 bits; the signature verifies
// (jws-signature.ts); the payload is base64url-encoded (b64 false is refused for JWTs); the
// claims (claims.ts); the lifetime limit, scopes and cnf.
//
// Verified tokens are cached until exp, keyed by SHA-256 over the token and the presenting
// certificate's SHA-256, in a bounded LRU; a hit still requires that the verifying key is
// still published (a rotated-out key stops working when the key cache refreshes). A hit is
// answered synchronously whenever the key set is at hand, so it costs no promise.
import { hash } from 'node:crypto';
import type { IssuerConfig, TokenAlgorithm, TokenPolicyConfig } from '../config/tokens-schema.js';
import type { ReasonCode } from '../core/reasons.js';
import { LruCache } from '../core/lru.js';
import type { KeySet, KeySpec } from '../core/jwks.js';
import type { TokenMaterial } from '../config/load-tokens.js';
import { RemoteJwks } from './remote-jwks.js';
import type { VerifiedToken } from './types.js';
import { decodeBase64url, parseCompactJws, type CompactJws, type JsonObject } from './compact-jws.js';
import { claimsProblem, type ClaimRules } from './claims.js';
import { rsaKeyTooShort, verifyJwsSignature } from './jws-signature.js';

export type VerifyOutcome =
  | { readonly ok: true; readonly token: VerifiedToken; readonly cached: boolean }
  | { readonly ok: false; readonly issuer: string; readonly reason: ReasonCode; readonly detail: string };

const MAX_TOKEN_LENGTH = 16_384;
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'];
/** JWS extensions (RFC 7515 §4.1.11 `crit`) this verifier implements: only b64 (RFC 7797), and only to refuse b64 false. */
const UNDERSTOOD_CRIT: ReadonlySet<string> = new Set(['b64']);

interface IssuerRuntime {
  readonly config: IssuerConfig;
  readonly file?: KeySet;
  readonly remote?: RemoteJwks;
  /** The claims rules for this issuer under the listener's policy, built once. */
  readonly claims: ClaimRules;
}

interface CacheEntry {
  readonly token: VerifiedToken;
  readonly issuer: IssuerRuntime;
}

function fail(issuer: string, reason: ReasonCode, detail: string): VerifyOutcome {
  return { ok: false, issuer, reason, detail };
}

function readScopes(payload: JsonObject, claim: string): Set<string> | string {
  let value = payload[claim];
  // `scope` (RFC 8693/9068, space-delimited) is the default; Azure AD style `scp` arrays too.
  if (value === undefined && claim === 'scope') value = payload['scp'];
  if (value === undefined) return new Set();
  if (typeof value === 'string') return new Set(value.split(' ').filter((scope) => scope !== ''));
  if (Array.isArray(value) && value.every((scope) => typeof scope === 'string')) return new Set(value as string[]);
  return `${claim} is neither a string nor an array of strings`;
}

/**
 * RFC 7515 §4.1.11: `crit` lists extensions the verifier must understand. It must be a non-empty
 * array of non-empty strings naming only b64 (RFC 7797), whose member must be present and a
 * boolean. The detail is jose's error code for the same refusal.
 */
function critProblem(header: JsonObject): string | undefined {
  const crit = header['crit'];
  if (crit === undefined) return undefined;
  if (!Array.isArray(crit) || crit.length === 0 || crit.some((name) => typeof name !== 'string' || name === '')) return 'ERR_JWS_INVALID';
  for (const name of crit as string[]) {
    if (!UNDERSTOOD_CRIT.has(name)) return 'ERR_JOSE_NOT_SUPPORTED';
    if (!Object.hasOwn(header, name) || header[name] === undefined) return 'ERR_JWS_INVALID';
  }
  if (typeof header['b64'] !== 'boolean') return 'ERR_JWS_INVALID';
  return undefined;
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
        this.byIss.set(issuer.issuer, { config: issuer, remote: store, claims: this.claimRules(issuer) });
      } else if (own?.keys) {
        this.byIss.set(issuer.issuer, { config: issuer, file: own.keys, claims: this.claimRules(issuer) });
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

  /**
   * The verdict on a token presented with a certificate (its SHA-256). Synchronous unless a remote
   * key set has to be fetched or awaited: a cache hit, and a miss with file keys, cost no promise.
   */
  verify(token: string, certSha256: string): VerifyOutcome | Promise<VerifyOutcome> {
    if (token.length > MAX_TOKEN_LENGTH) return fail('unknown', 'token_invalid', `longer than ${MAX_TOKEN_LENGTH} characters`);
    // The same digest as hashing the token, a NUL and the fingerprint in turn, in one call.
    const cacheKey = this.cache ? hash('sha256', `${token}\u0000${certSha256}`, 'base64') : '';
    const hit = this.cache?.get(cacheKey);
    if (hit && hit.token.expiresAt > this.now()) {
      const remote = hit.issuer.remote;
      if (!remote) {
        if (hit.issuer.file?.ids.has(hit.token.keyId)) return { ok: true, token: hit.token, cached: true };
      } else {
        const keys = remote.fresh();
        if (keys === undefined) return this.revalidateHit(hit, token, cacheKey);
        if (keys.ids.has(hit.token.keyId)) return { ok: true, token: hit.token, cached: true };
      }
      // Its key was withdrawn: verify afresh (and report why it fails).
    }
    return this.verifyFresh(token, cacheKey);
  }

  /** A hit whose remote key set is due for a refresh (or being fetched): wait for it, as before. */
  private async revalidateHit(hit: CacheEntry, token: string, cacheKey: string): Promise<VerifyOutcome> {
    const keys = await (hit.issuer.remote as RemoteJwks).current();
    if (keys?.ids.has(hit.token.keyId)) return { ok: true, token: hit.token, cached: true };
    return this.verifyFresh(token, cacheKey);
  }

  private verifyFresh(token: string, cacheKey: string): VerifyOutcome | Promise<VerifyOutcome> {
    const jws = parseCompactJws(token);
    if (!jws) return fail('unknown', 'token_invalid', 'malformed token');
    const header = jws.header;
    for (const name of FORBIDDEN_HEADERS) {
      if (name in header) return fail('unknown', 'token_invalid', `header "${name}" is refused: keys come from configuration only`);
    }
    const iss = jws.payload['iss'];
    const issuer = typeof iss === 'string' ? this.byIss.get(iss) : undefined;
    if (!issuer) return fail('unknown', 'unknown_issuer', 'iss is not a configured issuer');
    const alg = header['alg'];
    if (typeof alg !== 'string' || !(issuer.config.algorithms as readonly string[]).includes(alg)) {
      return fail(issuer.config.name, 'token_invalid', `alg ${typeof alg === 'string' ? alg.slice(0, 16) : 'missing'} is not allowed for this issuer`);
    }
    const kid = typeof header['kid'] === 'string' ? header['kid'] : undefined;
    const allowed = alg as TokenAlgorithm;

    if (!issuer.remote) return this.verifyWithKeys(jws, cacheKey, issuer, allowed, kid, issuer.file, issuer.file?.select(allowed, kid));
    const keys = issuer.remote.fresh();
    const key = keys?.select(allowed, kid);
    // Fresh keys that settle the question (a key, or no kid to look for): no promise.
    if (keys && (key || kid === undefined || keys.hasKid(kid))) return this.verifyWithKeys(jws, cacheKey, issuer, allowed, kid, keys, key);
    return this.verifyWithRemoteKeys(jws, cacheKey, issuer, issuer.remote, allowed, kid);
  }

  /** Keys from a remote JWKS: refreshed when stale, refetched (at most once per cooldown) for an unknown kid. */
  private async verifyWithRemoteKeys(jws: CompactJws, cacheKey: string, issuer: IssuerRuntime, remote: RemoteJwks, alg: TokenAlgorithm, kid: string | undefined): Promise<VerifyOutcome> {
    let keys = await remote.current();
    if (!keys) return fail(issuer.config.name, 'token_keys_unavailable', `JWKS never loaded: ${remote.lastError ?? 'no answer yet'}`);
    let key = keys.select(alg, kid);
    if (!key && kid !== undefined && !keys.hasKid(kid)) {
      keys = await remote.refreshForUnknownKid();
      key = keys?.select(alg, kid);
    }
    return this.verifyWithKeys(jws, cacheKey, issuer, alg, kid, keys, key);
  }

  private verifyWithKeys(jws: CompactJws, cacheKey: string, issuer: IssuerRuntime, alg: TokenAlgorithm, kid: string | undefined, keys: KeySet | undefined, key: KeySpec | undefined): VerifyOutcome {
    const name = issuer.config.name;
    if (!key || !keys) return fail(name, 'token_invalid', kid === undefined ? 'no kid and no single key for the algorithm' : 'no published key for this kid and algorithm');
    const publicKey = keys.verificationKey(key);
    if (!publicKey) return fail(name, 'token_invalid', 'malformed token');
    const extensions = critProblem(jws.header);
    if (extensions) return fail(name, 'token_invalid', extensions);
    const signature = decodeBase64url(jws.encodedSignature);
    if (!signature) return fail(name, 'token_invalid', 'ERR_JWS_INVALID');
    if (rsaKeyTooShort(alg, publicKey)) return fail(name, 'token_invalid', 'malformed token');
    if (!verifyJwsSignature(alg, publicKey, jws.signingInput, signature)) return fail(name, 'token_invalid', 'signature does not verify');
    // RFC 7797 unencoded payloads are not JWTs (RFC 7519 §7.2 decodes the payload as base64url).
    if (jws.header['b64'] === false && (jws.header['crit'] as unknown[] | undefined)?.includes('b64')) return fail(name, 'token_invalid', 'ERR_JWT_INVALID');

    const payload = jws.payload;
    const claims = claimsProblem(jws.header, payload, issuer.claims, Math.floor(this.now() / 1000));
    if (claims) return fail(name, claims.reason, claims.detail);
    const exp = payload['exp'] as number;
    if (this.policy.maxLifetimeMs !== null) {
      const lifetimeMs = (exp - (payload['iat'] as number)) * 1000;
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
      subject: typeof payload['sub'] === 'string' ? payload['sub'] : undefined,
      subjectClaim: typeof subjectClaim === 'string' ? subjectClaim : undefined,
      kid,
      jti: typeof payload['jti'] === 'string' ? payload['jti'] : undefined,
      scopes,
      expiresAt: exp * 1000,
      x5tS256,
      keyId: key.id,
    };
    this.cache?.set(cacheKey, { token: verified, issuer });
    return { ok: true, token: verified, cached: false };
  }

  private claimRules(issuer: IssuerConfig): ClaimRules {
    return {
      issuer: issuer.issuer,
      audiences: issuer.audiences,
      toleranceSeconds: Math.round(this.policy.clockToleranceMs / 1000),
      requireIat: this.policy.maxLifetimeMs !== null,
      requireAtJwt: this.policy.requireAtJwt,
    };
  }
}
