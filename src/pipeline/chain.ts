// THE ordered list of checks every routed request runs through. Order matters: cheap identity
// checks come before anything that does cryptography, so an enforcing sidecar rejects a
// stranger without verifying a token.
//
// Adding a check is its module in src/checks/, one line here, its rows in src/core/reasons.ts and its
// keys in the config schema. Nothing else names it: not the sidecar, not the listener, not the
// request context. A check that needs per-listener state (keys, a cache, counters) declares
// `prepare(input, previous)` (src/checks/types.ts): it builds that state from the listener's
// frozen config and loaded files, and from the state it had before a reload, so whatever must
// outlive a reload (a replay cache, JWKS stores, rate buckets) carries over. The pipeline keeps
// the state for it (src/pipeline/chain-state.ts, built once per load and swapped with the
// listener's policy) and hands it to `run`. prepare must be pure: anything that talks to the
// world starts in the prepared state's `activate`, after the swap, and `release` closes what a
// successor does not keep. A check whose prepare returns undefined (nothing configured on this
// listener) is left out of that listener's chain; needs of the listener (a buffered body) are
// capabilities the prepared state declares (`readsBody`), never a field named after a check.
import { identityAuthorizationCheck } from '../checks/identity-authorization.js';
import { peerCertificateCheck } from '../checks/peer-certificate.js';
import { peerIdentityCheck } from '../checks/peer-identity.js';
import { rateLimitCheck } from '../checks/rate-limit.js';
import { signatureCheck } from '../checks/signature.js';
import { leastPrivilegeCheck } from '../checks/least-privilege.js';
import { scopesCheck } from '../checks/scopes.js';
import { tokenBindingCheck } from '../checks/token-binding.js';
import { tokenCheck } from '../checks/token.js';
import type { Check } from '../checks/types.js';

export const CHAIN: readonly Check<unknown>[] = [
  peerCertificateCheck, // the certificate meets the listener's TLS policy and is not revoked (cached facts)
  peerIdentityCheck, // the certificate names exactly one identity, in an allowed trust domain
  identityAuthorizationCheck, // that identity may call this route
  // After authorization (a caller the route refuses gets 403 and never fills a bucket), before any
  // cryptography: a flooding identity is refused for a map lookup, not a token or signature verify.
  rateLimitCheck, // this identity is within the route's rateLimit (token bucket per route and identity)
  // Tokens: verification is cached until expiry, so after the first call these cost a
  // hash and a few lookups; they come before the signature, which is a fresh verify every time.
  tokenCheck, // a bearer token from a configured issuer verifies and is not revoked (sets the `token` fact)
  tokenBindingCheck, // the token is bound to this peer: cnf.x5t#S256 (RFC 8705) and subject → peer identity
  scopesCheck, // the token holds the scopes the route requires
  leastPrivilegeCheck, // the token holds no scope the caller's routes can never require
  // Signatures last: a verify per request that no cache can save, plus the body read.
  signatureCheck, // RFC 9421 signature by a registered key of this identity, fresh, not replayed; Content-Digest of the body
];
