// The verified token belongs to this caller:
//   - RFC 8705: a token with cnf.x5t#S256 must name the presenting client certificate (the
//     base64url SHA-256 of its DER, compared as the exact string); policy can require binding;
//   - tokens.subject.matchPeer: the subject claim must name the mTLS peer identity (itself, or
//     through tokens.subject.map).
import { compileIdentityPattern, matchIdentity, type IdentityPattern } from '../core/identity-pattern.js';
import { identityString, type PeerInfo } from '../tls/peer-identity.js';
import type { Check } from './types.js';
import type { Finding } from '../core/findings.js';
import type { TokenPolicyConfig } from '../config/tokens-schema.js';

const NAME = 'token-binding';

/** RFC 8705 §3.1 thumbprint of a certificate given its hex SHA-256 (PeerInfo.sha256). */
export function x5tS256(certSha256Hex: string): string {
  return Buffer.from(certSha256Hex, 'hex').toString('base64url');
}

/** Why a token's cnf.x5t#S256 does not bind it to the presented certificate, or undefined when it does. */
export function certificateBindingProblem(bound: string, presentedSha256Hex: string | undefined): string | undefined {
  if (!presentedSha256Hex) return 'the token is certificate-bound and no client certificate was presented';
  return bound === x5tS256(presentedSha256Hex) ? undefined : 'cnf.x5t#S256 names another client certificate';
}

function denial(reason: Finding['reason'], detail: string): Finding {
  return { check: NAME, reason, severity: 'deny', detail, bearer: { error: 'invalid_token' } };
}

function subjectMatches(claim: string | undefined, peer: PeerInfo, map: ReadonlyMap<string, IdentityPattern>): boolean {
  if (claim === undefined || !peer.identity) return false;
  const pattern = map.get(claim);
  if (pattern) return matchIdentity(pattern, peer.identity);
  return claim === identityString(peer);
}

interface BindingPolicy {
  readonly policy: TokenPolicyConfig;
  /** tokens.subject.map, compiled: subject claim value → the identity it stands for. */
  readonly subjectMap: ReadonlyMap<string, IdentityPattern>;
}

export const tokenBindingCheck: Check<BindingPolicy> = {
  name: NAME,
  prepare({ listener }) {
    const policy = listener.tokens;
    if (!policy) return undefined;
    return { state: { policy, subjectMap: new Map(Object.entries(policy.subject.map).map(([claim, pattern]) => [claim, compileIdentityPattern(pattern)])) } };
  },
  run(request, tokens): readonly Finding[] {
    const token = request.facts.get('token');
    if (!token || !tokens) return [];
    if (token.x5tS256 !== undefined) {
      const problem = certificateBindingProblem(token.x5tS256, request.peer.sha256);
      if (problem) return [denial('token_binding_mismatch', problem)];
    } else if (tokens.policy.binding.required) {
      return [denial('token_not_bound', 'policy requires a certificate-bound token (cnf.x5t#S256)')];
    }
    if (tokens.policy.subject.matchPeer && !subjectMatches(token.subjectClaim, request.peer, tokens.subjectMap)) {
      return [denial('token_binding_mismatch', `${tokens.policy.subject.claim} does not name the mTLS peer`)];
    }
    return [];
  },
};
