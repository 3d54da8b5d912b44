// The route's required scopes against the verified token's: all of `allOf`, or one of `anyOf`.
// A miss is 403 insufficient_scope with the RFC 6750 challenge naming the scopes required.
import type { Check } from './types.js';
import type { Finding } from '../core/findings.js';

const NAME = 'scopes';

interface RouteScopes {
  readonly allOf?: readonly string[];
  readonly anyOf?: readonly string[];
}

/** Each route's scope rule, by route name; only routes that need a token and name scopes. */
type ScopeRules = ReadonlyMap<string, RouteScopes>;

export const scopesCheck: Check<ScopeRules> = {
  name: NAME,
  prepare({ listener }) {
    if (!listener.tokens) return undefined;
    const rules = new Map<string, RouteScopes>();
    for (const route of listener.routes) {
      if (!(route.token ?? true) || !route.scopes) continue;
      rules.set(route.name, { ...(route.scopes.allOf ? { allOf: route.scopes.allOf } : {}), ...(route.scopes.anyOf ? { anyOf: route.scopes.anyOf } : {}) });
    }
    return rules.size > 0 ? { state: rules } : undefined;
  },
  run(request, rules): readonly Finding[] {
    const token = request.facts.get('token');
    const rule = rules?.get(request.route.name);
    if (!token || !rule) return [];
    if (rule.allOf) {
      const missing = rule.allOf.filter((scope) => !token.scopes.has(scope));
      if (missing.length > 0) {
        return [{ check: NAME, reason: 'insufficient_scope', severity: 'deny', detail: `missing ${missing.join(' ')} (all of: ${rule.allOf.join(' ')})`, bearer: { error: 'insufficient_scope', scope: rule.allOf.join(' ') } }];
      }
      request.facts.set('scopesUsed', rule.allOf);
    } else if (rule.anyOf) {
      const present = rule.anyOf.filter((scope) => token.scopes.has(scope));
      if (present.length === 0) {
        return [{ check: NAME, reason: 'insufficient_scope', severity: 'deny', detail: `none of ${rule.anyOf.join(' ')}`, bearer: { error: 'insufficient_scope', scope: rule.anyOf.join(' ') } }];
      }
      request.facts.set('scopesUsed', present);
    }
    return [];
  },
};
