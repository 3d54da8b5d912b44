// The bearer token: present, verified by a configured issuer (src/tokens/verifier.ts), and not
// revoked. Establishes the `token` fact the binding, scope and least-privilege checks read, and
// the `tokenVerification` fact telemetry counts. Routes with `token: false` are skipped.
import type { ReasonCode } from '../core/reasons.js';
import type { Check, ListenerInput, Prepared, RoutedRequest } from './types.js';
import type { Finding } from '../core/findings.js';
import { TokenRuntime } from '../tokens/runtime.js';
import type { VerifyOutcome } from '../tokens/verifier.js';

const NAME = 'token';

function denial(reason: ReasonCode, detail: string): Finding {
  // No token at all: a bare challenge (RFC 6750 §3.1); the key store being down is not the token's fault.
  const bearer = reason === 'token_missing' ? {} : reason === 'token_keys_unavailable' || reason === 'token_revocations_unavailable' ? undefined : { error: 'invalid_token' as const };
  return { check: NAME, reason, severity: 'deny', detail, ...(bearer ? { bearer } : {}) };
}

/** The token from `Bearer <token>`, or why there is none. */
export function bearerToken(value: string | string[] | undefined): { token: string } | { reason: ReasonCode; detail: string } {
  if (value === undefined || value === '') return { reason: 'token_missing', detail: 'no bearer token' };
  if (Array.isArray(value)) return { reason: 'token_invalid', detail: 'more than one token header' };
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(value);
  if (!match) return /^Bearer\b/i.test(value) ? { reason: 'token_invalid', detail: 'malformed bearer token' } : { reason: 'token_missing', detail: 'authorization scheme is not Bearer' };
  return { token: match[1] as string };
}

const NONE: readonly Finding[] = Object.freeze([]);

// Synchronous when there is nothing to verify or the verifier answers at once (a cached token,
// file keys): the request then pays no promise and no microtask (the chain awaits only what
// returns a promise).
function run(request: RoutedRequest, tokens?: TokenRuntime): readonly Finding[] | Promise<readonly Finding[]> {
  if (!tokens || !tokens.required.has(request.route.name)) return NONE;
  const found = bearerToken(request.headers[tokens.policy.header]);
  if ('reason' in found) {
    request.facts.set('tokenVerification', { issuer: 'unknown', result: 'failure', reason: found.reason, cached: false });
    return [denial(found.reason, found.detail)];
  }
  const outcome = tokens.verifier.verify(found.token, request.peer.sha256);
  return outcome instanceof Promise ? outcome.then((settled) => judge(request, tokens, settled)) : judge(request, tokens, outcome);
}

function judge(request: RoutedRequest, tokens: TokenRuntime, outcome: VerifyOutcome): readonly Finding[] {
  if (!outcome.ok) {
    request.facts.set('tokenVerification', { issuer: outcome.issuer, result: 'failure', reason: outcome.reason, cached: false });
    return [denial(outcome.reason, outcome.detail)];
  }
  const token = outcome.token;
  const revocation = tokens.denylist.status(token.jti);
  if ('unavailable' in revocation) {
    // Fail closed: without the broker's list, a revoked token cannot be told from a good one.
    request.facts.set('tokenVerification', { issuer: token.issuer, result: 'failure', reason: 'token_revocations_unavailable', cached: outcome.cached });
    return [denial('token_revocations_unavailable', revocation.unavailable)];
  }
  if (revocation.revoked) {
    request.facts.set('tokenVerification', { issuer: token.issuer, result: 'failure', reason: 'token_revoked', cached: outcome.cached });
    return [denial('token_revoked', revocation.source === 'remote' ? 'jti is on the remote denylist' : 'jti is on the denylist')];
  }
  request.facts.set('tokenVerification', { issuer: token.issuer, result: 'success', reason: 'none', cached: outcome.cached });
  request.facts.set('token', token);
  return NONE;
}

/** Only listeners with a `tokens` section run the token checks. */
function prepare({ listener, loaded }: ListenerInput, previous: TokenRuntime | undefined): Prepared<TokenRuntime> | undefined {
  if (!listener.tokens) return undefined;
  // load.ts fails the load when a listener's token files do not load, so material is present here.
  const material = loaded.tokens.get(listener.name) ?? { issuers: new Map(), denylist: new Set<string>() };
  const runtime = new TokenRuntime(listener.name, listener.tokens, listener, material, previous);
  return { state: runtime, activate: () => runtime.activate(), release: (keep) => runtime.release(keep) };
}

export const tokenCheck: Check<TokenRuntime> = { name: NAME, prepare, run };
