// Which identities may call which route: exact SPIFFE IDs or segment wildcards, from the
// route's `allow` list. An empty list allows nobody.
import { matchIdentity } from '../core/identity-pattern.js';
import type { Check } from './types.js';
import type { Finding } from '../core/findings.js';

export const identityAuthorizationCheck: Check = {
  name: 'identity-authorization',
  run(request): readonly Finding[] {
    const identity = request.peer.identity;
    // No identity is peer-identity's finding; do not report it twice.
    if (!identity) return [];
    for (const pattern of request.route.allow) {
      if (matchIdentity(pattern, request.peer.identity!)) return [];
    }
    return [
      {
        check: this.name,
        reason: 'identity_not_allowed',
        severity: 'deny',
        detail: `${identity.kind === 'spiffe' ? identity.value : `${identity.kind}:${identity.value}`} is not allowed on route ${request.route.name}`,
      },
    ];
  },
};
