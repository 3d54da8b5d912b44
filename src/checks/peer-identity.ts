// The peer's certificate must yield exactly one well-formed identity (one SPIFFE ID, syntax
// checked) in an allowed trust domain, or nothing downstream can say who is calling.
import type { Check } from './types.js';
import type { Finding } from '../core/findings.js';

export const peerIdentityCheck: Check = {
  name: 'peer-identity',
  run(request): readonly Finding[] {
    const identity = request.peer.identity;
    if (!identity) return [{ check: this.name, reason: 'bad_spiffe_id', severity: 'deny', detail: request.peer.identityProblem }];
    const domains = request.peerPolicy.trustDomains;
    if (identity.kind === 'spiffe' && domains && !domains.has(identity.spiffe.trustDomain)) {
      return [{ check: this.name, reason: 'bad_spiffe_id', severity: 'deny', detail: `trust domain ${identity.spiffe.trustDomain} is not in tls.peer.trustDomains` }];
    }
    return [];
  },
};
