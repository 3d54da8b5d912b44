// The route's required scopes against the verified token's: all of `allOf`, or one of `anyOf`.
// A miss is 403 insufficient_scope with the RFC 6750 challenge naming the scopes required.
import type { Check, Finding } from '../pipeline/types.js';

const NAME = 'scopes';

export const scopesCheck: Check = {
  name: NAME,
  run(request): readonly Finding[] {
    const token = request.facts.get('token');
    const rule = request.tokens?.routes.get(request.route.name);
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
