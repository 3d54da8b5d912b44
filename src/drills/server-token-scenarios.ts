// Server drills, token family (only when the baseline carries a bearer token): each forges
// one property of a token signed with the staging issuer's own key, so only that property can
// be the reason for a refusal.
import { REFUSE_HTTP, type ServerScenario } from './server-scenario.js';

export const SERVER_TOKEN_SCENARIOS = [
  { name: 'no_token', forges: 'no bearer token', resistedWhen: REFUSE_HTTP, needs: 'token', token: { kind: 'none' } },
  { name: 'expired_token', forges: 'a correctly signed token that expired an hour ago', resistedWhen: REFUSE_HTTP, needs: 'token', token: { kind: 'claims', expired: true } },
  { name: 'wrong_audience', forges: 'a correctly signed token for another audience', resistedWhen: REFUSE_HTTP, needs: 'token', token: { kind: 'claims', audience: 'other' } },
  { name: 'alg_none', forges: 'the genuine claims with alg "none" and no signature', resistedWhen: REFUSE_HTTP, needs: 'token', token: { kind: 'alg_none' } },
  {
    name: 'token_bound_to_other_cert',
    forges: 'a token bound (RFC 8705 cnf.x5t#S256) to another certificate, sent with the genuine one',
    resistedWhen: REFUSE_HTTP,
    needs: 'token',
    token: { kind: 'claims', boundTo: 'other_cert' },
  },
  {
    name: 'overprivileged_token',
    forges: 'a token with scopes beyond what the caller needs (token.extraScopes)',
    resistedWhen: 'the server refuses it (informational: least privilege is often only reported)',
    needs: 'token',
    token: { kind: 'claims', extraScopes: true },
    informational: true,
  },
] as const satisfies readonly ServerScenario[];
