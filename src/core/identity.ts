// A peer's identity as policy sees it: the SPIFFE ID, DNS name or subject common name read from
// its verified certificate. Route allow lists, token binding, the broker's grants and the admin
// listener all match patterns against this one shape (identity-pattern.ts), whoever read it.
import type { SpiffeId } from './spiffe.js';

export type IdentitySource = 'spiffe' | 'dns' | 'cn';

export type PeerIdentity =
  | { readonly kind: 'spiffe'; readonly value: string; readonly spiffe: SpiffeId }
  | { readonly kind: 'dns'; readonly value: string }
  | { readonly kind: 'cn'; readonly value: string };
