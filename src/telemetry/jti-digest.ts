// How a token id appears in a sidecar's request log: base64url SHA-256 of the jti. The log
// never holds the jti itself; `palisade audit` digests the broker's jtis the same way to join.
import { createHash } from 'node:crypto';

export function jtiDigest(jti: string): string {
  return createHash('sha256').update(jti).digest('base64url');
}
