// The peer's certificate must yield exactly one well-formed identity (one SPIFFE ID, syntax
// checked), or nothing downstream can say who is calling.
import type { Check, Finding } from '../pipeline/types.js';

export const peerIdentityCheck: Check = {
  name: 'peer-identity',
  run(request): readonly Finding[] {
    if (request.peer.identity) return [];
    return [{ check: this.name, reason: 'bad_spiffe_id', severity: 'deny', detail: request.peer.identityProblem }];
  },
};
