// The `tokens` section of an inbound listener and the `token` / `scopes` keys of a route
//. Strict like the rest of the schema: an unknown key is an error.
import { z } from 'zod';
import { validateIdentityPattern } from '../core/identity-pattern.js';

const ms = (what: string) => z.number({ error: `${what} must be a number of milliseconds` }).int().positive();
const FilePath = z.string().min(1, { error: 'must be a file path' });
const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: 'must be lowercase letters, digits, "-" or "_" (max 63)' });

/** Asymmetric JWS algorithms only: a shared-secret algorithm (HS*) is never accepted, so HS/RS confusion cannot happen. */
export const TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

const Scope = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, { error: 'must be an RFC 6749 scope token (printable ASCII, no space, quote or backslash)' });

const RemoteJwks = z.strictObject({
  /** https only; fetched with its own trust bundle, never following redirects. */
  url: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }),
  /** Trust bundle (PEM) for the JWKS server's certificate; the system store is not used. */
  ca: FilePath,
  timeoutMs: ms('timeoutMs').default(5_000),
  /** Keys are refetched when older than this. */
  cacheMs: ms('cacheMs').default(300_000),
  /** At most one fetch (unknown kid, expired cache, failure retry) per this interval. */
  cooldownMs: ms('cooldownMs').default(30_000),
  /** A larger response is refused. */
  maxBytes: z.number().int().min(1024).max(10_485_760).default(524_288),
});

/** A broker's published revocation list (GET /revoked): fetched like a remote JWKS. */
const RemoteDenylistSchema = z.strictObject({
  /** https only; fetched with its own trust bundle, never following redirects. */
  url: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }),
  /** Trust bundle (PEM) for the list server's certificate; the system store is not used. */
  ca: FilePath,
  /** Fetched this often: a revocation reaches the sidecar within one refreshMs. */
  refreshMs: ms('refreshMs').default(10_000),
  timeoutMs: ms('timeoutMs').default(5_000),
  /** A larger response is refused. */
  maxBytes: z.number().int().min(1024).max(67_108_864).default(4_194_304),
});
export type RemoteDenylistConfig = z.output<typeof RemoteDenylistSchema>;

/** `denylist: FILE` (as before), or `{ file?, remote? }`. */
const Denylist = z.union([
  FilePath.transform((file) => ({ file })),
  z
    .strictObject({ file: FilePath.optional(), remote: RemoteDenylistSchema.optional() })
    .refine((value) => value.file !== undefined || value.remote !== undefined, { error: 'needs file, remote, or both' }),
]);

const Issuer = z
  .strictObject({
    /** The `issuer` metric label. */
    name: Name,
    /** Exact `iss` value. */
    issuer: z.string().min(1),
    /** `aud` must contain one of these (exact). */
    audiences: z.array(z.string().min(1)).min(1, { error: 'needs at least one audience: a token for another service must not pass' }),
    /** Allowed `alg` values; the token's header never chooses outside this list. */
    algorithms: z.array(z.enum(TOKEN_ALGORITHMS)).min(1).default(['ES256', 'RS256']),
    /** A JWKS file (hot-reloaded): `{"keys": [...]}`. */
    jwks: FilePath.optional(),
    /** A remote JWKS endpoint. */
    remote: RemoteJwks.optional(),
  })
  .refine((issuer) => (issuer.jwks === undefined) !== (issuer.remote === undefined), { error: 'needs exactly one of jwks (a file) or remote (a URL)' });

export const TokenPolicySchema = z
  .strictObject({
    /** Header carrying `Bearer <token>`. */
    header: z
      .string()
      .regex(/^[a-z0-9-]+$/, { error: 'must be a lower-case header name' })
      .default('authorization'),
    issuers: z.array(Issuer).min(1, { error: 'needs at least one issuer' }),
    /** Allowed clock skew for exp, nbf and iat. */
    clockToleranceMs: z.number().int().min(0).max(300_000).default(30_000),
    /** Longest allowed exp − iat (tokens then must carry both); null for no limit. */
    maxLifetimeMs: ms('maxLifetimeMs').nullable().default(null),
    /** Require the RFC 9068 header `typ: at+jwt`. */
    requireAtJwt: z.boolean().default(false),
    /** Scopes are read from this claim: a space-delimited string (`scope`) or an array (`scp`). */
    scopeClaim: z.string().min(1).default('scope'),
    /** A jti denylist file (hot-reloaded): one jti per line, `#` comments; and/or a broker's remote list. */
    denylist: Denylist.optional(),
    binding: z
      .strictObject({
        /** Refuse tokens without `cnf.x5t#S256` (RFC 8705). */
        required: z.boolean().default(false),
      })
      .prefault({}),
    subject: z
      .strictObject({
        /** The claim naming the caller. */
        claim: z.string().min(1).default('sub'),
        /** The claim must name the mTLS peer (its identity, or an entry of `map`). */
        matchPeer: z.boolean().default(false),
        /** Claim value → identity pattern the peer must match (client ids that are not SPIFFE IDs). */
        map: z
          .record(
            z.string().min(1),
            z.string().superRefine((value, ctx) => {
              const problem = validateIdentityPattern(value);
              if (problem) ctx.addIssue({ code: 'custom', message: problem });
            }),
          )
          .default({}),
      })
      .prefault({}),
    /** Granted scopes beyond what the caller's routes can ever require: off, report (a finding), or deny. */
    leastPrivilege: z.enum(['off', 'report', 'deny']).default('report'),
    cache: z
      .strictObject({
        /** Verified tokens kept until expiry, keyed by SHA-256 of the token and the client certificate; 0 turns it off. */
        maxEntries: z.number().int().min(0).max(1_000_000).default(10_000),
      })
      .prefault({}),
  })
  .superRefine((policy, ctx) => {
    const names = new Set<string>();
    const issuers = new Set<string>();
    policy.issuers.forEach((issuer, index) => {
      if (names.has(issuer.name)) ctx.addIssue({ code: 'custom', path: ['issuers', index, 'name'], message: `duplicate issuer name "${issuer.name}"` });
      if (issuers.has(issuer.issuer)) ctx.addIssue({ code: 'custom', path: ['issuers', index, 'issuer'], message: `duplicate issuer "${issuer.issuer}"` });
      names.add(issuer.name);
      issuers.add(issuer.issuer);
    });
  });
export type TokenPolicyConfig = z.output<typeof TokenPolicySchema>;
export type IssuerConfig = TokenPolicyConfig['issuers'][number];
export type RemoteJwksConfig = NonNullable<IssuerConfig['remote']>;

/** A route's scope requirement: every scope of `allOf`, or at least one of `anyOf`. */
export const RouteScopesSchema = z
  .strictObject({
    allOf: z.array(Scope).min(1).optional(),
    anyOf: z.array(Scope).min(1).optional(),
  })
  .refine((scopes) => (scopes.allOf === undefined) !== (scopes.anyOf === undefined), { error: 'needs exactly one of allOf or anyOf' });
export type RouteScopesConfig = z.output<typeof RouteScopesSchema>;

/** The token keys of a route. `token: false` exempts a route (a health check) from the listener's tokens. */
export const RouteTokenKeys = {
  token: z.boolean().optional(),
  scopes: RouteScopesSchema.optional(),
};

interface ListenerLike {
  readonly tokens?: unknown;
  readonly routes: ReadonlyArray<{ readonly token?: boolean; readonly scopes?: unknown }>;
}

/** Cross-key rules: route token settings need a listener `tokens` section. */
export function tokenConfigIssues(listener: ListenerLike, index: number, addIssue: (path: PropertyKey[], message: string) => void): void {
  if (listener.tokens !== undefined) return;
  listener.routes.forEach((route, routeIndex) => {
    if (route.scopes !== undefined) addIssue(['inbound', index, 'routes', routeIndex, 'scopes'], 'needs a tokens section on the listener');
    if (route.token === true) addIssue(['inbound', index, 'routes', routeIndex, 'token'], 'needs a tokens section on the listener');
  });
}
