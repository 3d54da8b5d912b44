// Least privilege: the token's granted scopes against every scope that a route this identity
// may call can ever require. The excess is a token_overprivileged finding: report-only by
// default (would_deny, counted and logged, the request goes on), or a denial with
// tokens.leastPrivilege: deny. A staging test can then fail fast on an over-scoped account.
import type { Check, Finding } from '../pipeline/types.js';

const NAME = 'least-privilege';
const LISTED = 10;

export const leastPrivilegeCheck: Check = {
  name: NAME,
  run(request): readonly Finding[] {
    const token = request.facts.get('token');
    const tokens = request.tokens;
    const identity = request.peer.identity;
    if (!token || !tokens || !identity || tokens.policy.leastPrivilege === 'off') return [];
    const needed = tokens.neededScopes(identity);
    const excess = [...token.scopes].filter((scope) => !needed.has(scope));
    if (excess.length === 0) return [];
    const listed = excess.slice(0, LISTED).join(' ') + (excess.length > LISTED ? ` (+${excess.length - LISTED} more)` : '');
    return [
      {
        check: NAME,
        reason: 'token_overprivileged',
        severity: 'deny',
        detail: `granted scopes no route it may call requires: ${listed}`,
        ...(tokens.policy.leastPrivilege === 'report' ? { reportOnly: true } : {}),
      },
    ];
  },
};
