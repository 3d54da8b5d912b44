// Least privilege: the token's granted scopes against every scope that a route this identity
// may call can ever require. The excess is a token_overprivileged finding: report-only by
// default (would_deny, counted and logged, the request goes on), or a denial with
// tokens.leastPrivilege: deny. A staging test can then fail fast on an over-scoped account.
import type { Check } from './types.js';
import type { Finding } from '../core/findings.js';
import type { InboundConfig } from '../config/schema.js';
import { compileIdentityPattern, matchIdentity, type IdentityPattern } from '../core/identity-pattern.js';
import type { PeerIdentity } from '../core/identity.js';
import { LruCache } from '../core/lru.js';

const NAME = 'least-privilege';
const LISTED = 10;

interface RouteReach {
  readonly allow: readonly IdentityPattern[];
  readonly scopes: readonly string[];
}

/** The scopes each identity can ever need on one listener, from its routes. */
class ScopeReach {
  private readonly reach: readonly RouteReach[];
  /** Needed scopes per identity: computed once per identity, bounded. */
  private readonly needed = new LruCache<string, ReadonlySet<string>>(4096);

  constructor(
    readonly mode: 'report' | 'deny',
    config: InboundConfig,
  ) {
    this.reach = config.routes
      .filter((route) => route.token ?? true)
      .map((route) => ({ allow: route.allow.map(compileIdentityPattern), scopes: [...(route.scopes?.allOf ?? []), ...(route.scopes?.anyOf ?? [])] }));
  }

  /** Every scope a route this identity may call can ever require (any-of scopes count: each may be the one used). */
  neededScopes(identity: PeerIdentity): ReadonlySet<string> {
    const key = `${identity.kind}:${identity.value}`;
    const cached = this.needed.get(key);
    if (cached) return cached;
    const scopes = new Set<string>();
    for (const route of this.reach) {
      if (route.allow.some((pattern) => matchIdentity(pattern, identity))) for (const scope of route.scopes) scopes.add(scope);
    }
    this.needed.set(key, scopes);
    return scopes;
  }
}

export const leastPrivilegeCheck: Check<ScopeReach> = {
  name: NAME,
  prepare({ listener }) {
    const mode = listener.tokens?.leastPrivilege;
    if (!mode || mode === 'off') return undefined;
    return { state: new ScopeReach(mode, listener) };
  },
  run(request, reach): readonly Finding[] {
    const token = request.facts.get('token');
    const identity = request.peer.identity;
    if (!token || !identity || !reach) return [];
    const needed = reach.neededScopes(identity);
    const excess = [...token.scopes].filter((scope) => !needed.has(scope));
    if (excess.length === 0) return [];
    const listed = excess.slice(0, LISTED).join(' ') + (excess.length > LISTED ? ` (+${excess.length - LISTED} more)` : '');
    return [
      {
        check: NAME,
        reason: 'token_overprivileged',
        severity: 'deny',
        detail: `granted scopes no route it may call requires: ${listed}`,
        ...(reach.mode === 'report' ? { reportOnly: true } : {}),
      },
    ];
  },
};
