// The grants policy: which workload identity may be granted which scopes, for which audiences,
// for how long. A file, hot-reloaded by the broker (check, then swap). Pure decisions here: the
// token endpoint asks `decideGrant` and gets a grant or an OAuth error, never a response.
//
// Two rules a demanding user relies on:
//   - a scope outside the grant is refused (invalid_scope, RFC 6749 §5.2), never trimmed: a
//     client that silently gets less than it asked for fails later and further from the cause;
//   - no `scope` asked means the grant's *minimum* set (`defaultScopes`), not its maximum, so
//     a careless client never holds more than the least its job needs.
import { z } from 'zod';
import { parseDuration } from '../core/duration.js';
import { formatPath } from '../core/key-path.js';
import { compileIdentityPattern, matchIdentity, validateIdentityPattern, type IdentityPattern } from '../core/identity-pattern.js';
import type { PeerIdentity } from '../core/identity.js';
import type { OAuthError } from './oauth-errors.js';

const Scope = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, { error: 'must be an RFC 6749 scope token (printable ASCII, no space, quote or backslash)' });
const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: 'must be lowercase letters, digits, "-" or "_" (max 63)' });

const GrantSchema = z
  .strictObject({
    /** The `client` metric label and the audit line's `client`: bounded, from this file. */
    name: Name,
    /** Identity pattern of the workloads (their SPIFFE IDs) this grant is for. */
    identity: z.string().superRefine((value, ctx) => {
      const problem = validateIdentityPattern(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    /** Audiences (`resource` / `audience` values) a token may be for. */
    audiences: z.array(z.string().min(1)).min(1, { error: 'needs at least one audience' }),
    /** Every scope this grant may hand out. */
    scopes: z.array(Scope).min(1, { error: 'needs at least one scope' }),
    /** What a request without `scope` gets: the minimum set. Empty means such a request is refused. */
    defaultScopes: z.array(Scope).default([]),
    /** Longest token lifetime; never more than the broker's tokens.maxLifetime. */
    lifetime: z
      .string()
      .default('5m')
      .superRefine((value, ctx) => {
        try {
          parseDuration(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
  })
  .superRefine((grant, ctx) => {
    grant.defaultScopes.forEach((scope, index) => {
      if (!grant.scopes.includes(scope)) ctx.addIssue({ code: 'custom', path: ['defaultScopes', index], message: `"${scope}" is not in this grant's scopes` });
    });
  });

export const GrantsFileSchema = z.strictObject({ grants: z.array(GrantSchema) }).superRefine((file, ctx) => {
  const names = new Set<string>();
  file.grants.forEach((grant, index) => {
    if (names.has(grant.name)) ctx.addIssue({ code: 'custom', path: ['grants', index, 'name'], message: `duplicate grant name "${grant.name}"` });
    names.add(grant.name);
  });
});

export interface Grant {
  readonly name: string;
  readonly identity: IdentityPattern;
  readonly audiences: readonly string[];
  readonly scopes: ReadonlySet<string>;
  readonly defaultScopes: readonly string[];
  readonly lifetimeMs: number;
}

export type GrantsLoad = { ok: true; grants: readonly Grant[] } | { ok: false; errors: string[] };

/** Parse and compile a grants document; `maxLifetimeMs` is the broker's ceiling. */
export function compileGrants(raw: unknown, maxLifetimeMs: number, where = 'grants'): GrantsLoad {
  const parsed = GrantsFileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys' ? issue.keys.map((key) => `${where}: ${formatPath([...issue.path, key])}: unknown key`) : [`${where}: ${formatPath(issue.path)}: ${issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message}`],
      ),
    };
  }
  const errors: string[] = [];
  const grants = parsed.data.grants.map((grant, index): Grant => {
    const lifetimeMs = parseDuration(grant.lifetime);
    if (lifetimeMs > maxLifetimeMs) errors.push(`${where}: grants[${index}].lifetime: ${grant.lifetime} is longer than the broker's tokens.maxLifetime`);
    return { name: grant.name, identity: compileIdentityPattern(grant.identity), audiences: grant.audiences, scopes: new Set(grant.scopes), defaultScopes: grant.defaultScopes, lifetimeMs };
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, grants };
}

export interface GrantRequest {
  readonly identity: PeerIdentity;
  /** The raw `scope` parameter (space-delimited), if sent. */
  readonly scope: string | undefined;
  /** `resource` (RFC 8707) or `audience`, if sent. */
  readonly audience: string | undefined;
}

export type GrantDecision =
  | { readonly ok: true; readonly grant: Grant; readonly scopes: readonly string[]; readonly audience: string }
  | { readonly ok: false; readonly grant?: Grant; readonly error: OAuthError; readonly detail: string };

/** Scope tokens of a `scope` parameter; undefined when it is not well formed. */
export function parseScopeParam(text: string): string[] | undefined {
  if (!/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(text)) return undefined;
  return [...new Set(text.split(' '))];
}

/**
 * The grant for a request: the first grant (file order) whose identity matches the client and
 * that covers the audience asked (or, when none is asked, the only audience of the first
 * matching grant that has exactly one).
 */
export function decideGrant(grants: readonly Grant[], request: GrantRequest): GrantDecision {
  const mine = grants.filter((grant) => matchIdentity(grant.identity, request.identity));
  if (mine.length === 0) return { ok: false, error: 'unauthorized_client', detail: 'no grant names this identity' };
  let grant: Grant | undefined;
  let audience: string;
  if (request.audience !== undefined) {
    grant = mine.find((candidate) => candidate.audiences.includes(request.audience as string));
    if (!grant) return { ok: false, error: 'invalid_target', detail: 'no grant of this identity covers the audience asked' };
    audience = request.audience;
  } else {
    grant = mine[0] as Grant;
    if (grant.audiences.length !== 1) return { ok: false, grant, error: 'invalid_target', detail: 'the grant has several audiences: name one with resource or audience' };
    audience = grant.audiences[0] as string;
  }
  let scopes: string[];
  if (request.scope === undefined) {
    if (grant.defaultScopes.length === 0) return { ok: false, grant, error: 'invalid_scope', detail: 'no scope asked and the grant has no defaultScopes' };
    scopes = [...grant.defaultScopes];
  } else {
    const asked = parseScopeParam(request.scope);
    if (!asked) return { ok: false, grant, error: 'invalid_scope', detail: 'the scope parameter is not a space-delimited list of scope tokens' };
    const outside = asked.filter((scope) => !grant.scopes.has(scope));
    if (outside.length > 0) return { ok: false, grant, error: 'invalid_scope', detail: `not granted: ${outside.join(' ')}` };
    scopes = asked;
  }
  return { ok: true, grant, scopes, audience };
}
