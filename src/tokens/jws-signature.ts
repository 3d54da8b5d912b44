// The JWS signature check on node:crypto (RFC 7518 §3, RFC 8037 §3.1): one synchronous
// crypto.verify on a KeyObject imported once per key. WebCrypto (jose's path) costs a thread-pool
// hop and about twice a bare verify per token; this is the bare verify.
//
// The parameters are fixed by the algorithm, never by the token: ECDSA signatures are the raw
// r || s of RFC 7518 §3.4 (a DER signature is refused), RSASSA-PSS uses MGF1 with the same hash
// and a salt as long as the hash (§3.5), RSA keys must have at least 2048 bits (§3.3, §3.5).
import { constants, verify, type KeyObject } from 'node:crypto';
import type { TokenAlgorithm } from '../config/tokens-schema.js';

interface AlgorithmParameters {
  /** The digest for crypto.verify; null for Ed25519, which hashes internally. */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  readonly family: 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa' | 'eddsa';
  /** ECDSA: the length of r || s (twice the curve's field size in bytes). */
  readonly rawLength?: number;
  /** RSASSA-PSS: the salt length, equal to the hash's output length. */
  readonly saltLength?: number;
}

const ALGORITHMS: Readonly<Record<TokenAlgorithm, AlgorithmParameters>> = {
  RS256: { hash: 'sha256', family: 'rsa-pkcs1' },
  RS384: { hash: 'sha384', family: 'rsa-pkcs1' },
  RS512: { hash: 'sha512', family: 'rsa-pkcs1' },
  PS256: { hash: 'sha256', family: 'rsa-pss', saltLength: 32 },
  PS384: { hash: 'sha384', family: 'rsa-pss', saltLength: 48 },
  PS512: { hash: 'sha512', family: 'rsa-pss', saltLength: 64 },
  ES256: { hash: 'sha256', family: 'ecdsa', rawLength: 64 },
  ES384: { hash: 'sha384', family: 'ecdsa', rawLength: 96 },
  ES512: { hash: 'sha512', family: 'ecdsa', rawLength: 132 },
  EdDSA: { hash: null, family: 'eddsa' },
  Ed25519: { hash: null, family: 'eddsa' },
};

/** RFC 7518 §3.3: "A key of size 2048 bits or larger MUST be used"; jose refuses smaller keys too. */
export const MIN_RSA_BITS = 2048;

/** True when `key` is an RSA key too short for the RS and PS algorithms; false for every other key type. */
export function rsaKeyTooShort(alg: TokenAlgorithm, key: KeyObject): boolean {
  const family = ALGORITHMS[alg].family;
  if (family !== 'rsa-pkcs1' && family !== 'rsa-pss') return false;
  const bits = key.asymmetricKeyDetails?.modulusLength;
  return typeof bits !== 'number' || bits < MIN_RSA_BITS;
}

/** Does `signature` verify over `data` with `key` under `alg`? Any error from OpenSSL is a failed verification. */
export function verifyJwsSignature(alg: TokenAlgorithm, key: KeyObject, data: Buffer, signature: Buffer): boolean {
  const parameters = ALGORITHMS[alg];
  try {
    switch (parameters.family) {
      case 'eddsa':
        return verify(null, data, key, signature);
      case 'ecdsa':
        if (signature.length !== parameters.rawLength) return false;
        return verify(parameters.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'rsa-pss':
        return verify(parameters.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: parameters.saltLength as number }, signature);
      case 'rsa-pkcs1':
        return verify(parameters.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    }
  } catch {
    return false;
  }
}
