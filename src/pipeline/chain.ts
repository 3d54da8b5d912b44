// THE ordered list of checks every routed request runs through. Adding a check is one module
// in src/checks/ and one line here. Order matters: cheap identity checks come before anything
// that does cryptography, so an enforcing sidecar rejects a stranger without verifying a token.
import { identityAuthorizationCheck } from '../checks/identity-authorization.js';
import { peerCertificateCheck } from '../checks/peer-certificate.js';
import { peerIdentityCheck } from '../checks/peer-identity.js';
import type { Check } from './types.js';

export const CHAIN: readonly Check[] = [
  peerCertificateCheck, // the certificate meets the listener's TLS policy and is not revoked (cached facts)
  peerIdentityCheck, // the certificate names exactly one identity, in an allowed trust domain
  identityAuthorizationCheck, // that identity may call this route
];
