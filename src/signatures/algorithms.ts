// The six algorithms of RFC 9421 §3.3, on node:crypto. The algorithm always comes from the
// key's configuration; a message's `alg` parameter can only agree with it.
import { constants, createHmac, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

export const ALGORITHMS = ['ed25519', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'rsa-pss-sha512', 'rsa-v1_5-sha256', 'hmac-sha256'] as const;
export type SignatureAlgorithm = (typeof ALGORITHMS)[number];

export function isAlgorithm(value: string): value is SignatureAlgorithm {
  return (ALGORITHMS as readonly string[]).includes(value);
}

/**
 * Answers per key and algorithm. A KeyObject never changes, and verifying checks its key on
 * every request: reading asymmetricKeyDetails builds a fresh object in C++ each time.
 */
const keyProblems = new WeakMap<KeyObject, Map<SignatureAlgorithm, string | undefined>>();

/** Why `key` cannot be used with `algorithm`, or undefined when it can. RSA keys need 2048 bits. */
export function keyProblem(algorithm: SignatureAlgorithm, key: KeyObject): string | undefined {
  let known = keyProblems.get(key);
  if (known === undefined) {
    known = new Map();
    keyProblems.set(key, known);
  }
  if (known.has(algorithm)) return known.get(algorithm);
  const problem = findKeyProblem(algorithm, key);
  known.set(algorithm, problem);
  return problem;
}

function findKeyProblem(algorithm: SignatureAlgorithm, key: KeyObject): string | undefined {
  if (algorithm === 'hmac-sha256') {
    if (key.type !== 'secret') return 'hmac-sha256 needs a shared secret';
    return key.symmetricKeySize !== undefined && key.symmetricKeySize < 32 ? 'hmac-sha256 secrets must be at least 32 bytes' : undefined;
  }
  if (key.type === 'secret') return `${algorithm} needs an asymmetric key, not a secret`;
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (algorithm) {
    case 'ed25519':
      return type === 'ed25519' ? undefined : `ed25519 needs an Ed25519 key, not ${type}`;
    case 'ecdsa-p256-sha256':
      return type === 'ec' && details.namedCurve === 'prime256v1' ? undefined : `ecdsa-p256-sha256 needs a P-256 key, not ${type} ${details.namedCurve ?? ''}`.trim();
    case 'ecdsa-p384-sha384':
      return type === 'ec' && details.namedCurve === 'secp384r1' ? undefined : `ecdsa-p384-sha384 needs a P-384 key, not ${type} ${details.namedCurve ?? ''}`.trim();
    case 'rsa-pss-sha512':
    case 'rsa-v1_5-sha256':
      if (type !== 'rsa' && type !== 'rsa-pss') return `${algorithm} needs an RSA key, not ${type}`;
      if (algorithm === 'rsa-v1_5-sha256' && type === 'rsa-pss') return 'rsa-v1_5-sha256 cannot use an RSASSA-PSS-only key';
      return (details.modulusLength ?? 0) < 2048 ? `${algorithm} needs an RSA key of at least 2048 bits` : undefined;
  }
}

/** Group orders of the ECDSA curves (SEC 2), for the low-s form. */
const CURVE_ORDER: Partial<Record<SignatureAlgorithm, bigint>> = {
  'ecdsa-p256-sha256': 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  'ecdsa-p384-sha384': 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

function halves(signature: Uint8Array): { r: Uint8Array; s: bigint } {
  const half = signature.length / 2;
  return { r: signature.subarray(0, half), s: BigInt(`0x${Buffer.from(signature.subarray(half)).toString('hex') || '0'}`) };
}

/**
 * ECDSA is malleable: when (r, s) verifies, so does (r, n − s), a different byte string over
 * the same signed content. Whether a raw (IEEE P1363) ECDSA signature has the "high" s
 * (s > n/2); false for every other algorithm.
 */
export function isHighS(algorithm: SignatureAlgorithm, signature: Uint8Array): boolean {
  const order = CURVE_ORDER[algorithm];
  if (order === undefined || signature.length !== RAW_LENGTH[algorithm]) return false;
  return halves(signature).s > order / 2n;
}

/** The low-s twin of an ECDSA signature (unchanged when it already is low-s), so what we sign passes a verifier that refuses high s. */
function toLowS(algorithm: SignatureAlgorithm, signature: Buffer): Buffer {
  const order = CURVE_ORDER[algorithm];
  if (order === undefined || !isHighS(algorithm, signature)) return signature;
  const { r, s } = halves(signature);
  const low = Buffer.from((order - s).toString(16).padStart(signature.length, '0'), 'hex');
  return Buffer.concat([r, low]);
}

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 } as const;

/** Sign the signature base with a private key (or shared secret). */
export function signBase(algorithm: SignatureAlgorithm, key: KeyObject, base: string | Buffer): Buffer {
  const data = typeof base === 'string' ? Buffer.from(base, 'utf8') : base;
  switch (algorithm) {
    case 'ed25519':
      return sign(null, data, key);
    case 'ecdsa-p256-sha256':
      return toLowS(algorithm, sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
    case 'ecdsa-p384-sha384':
      return toLowS(algorithm, sign('sha384', data, { key, dsaEncoding: 'ieee-p1363' }));
    case 'rsa-pss-sha512':
      return sign('sha512', data, { key, ...PSS });
    case 'rsa-v1_5-sha256':
      return sign('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING });
    case 'hmac-sha256':
      return createHmac('sha256', key).update(data).digest();
  }
}

const RAW_LENGTH: Partial<Record<SignatureAlgorithm, number>> = { ed25519: 64, 'ecdsa-p256-sha256': 64, 'ecdsa-p384-sha384': 96, 'hmac-sha256': 32 };

/** Verify `signature` over the signature base with a public key (or shared secret). */
export function verifyBase(algorithm: SignatureAlgorithm, key: KeyObject, base: string | Buffer, signature: Uint8Array): boolean {
  const expected = RAW_LENGTH[algorithm];
  if (expected !== undefined && signature.length !== expected) return false;
  const data = typeof base === 'string' ? Buffer.from(base, 'utf8') : base;
  try {
    switch (algorithm) {
      case 'ed25519':
        return verify(null, data, key, signature);
      case 'ecdsa-p256-sha256':
        return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'ecdsa-p384-sha384':
        return verify('sha384', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'rsa-pss-sha512':
        return verify('sha512', data, { key, ...PSS }, signature);
      case 'rsa-v1_5-sha256':
        return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'hmac-sha256':
        return timingSafeEqual(createHmac('sha256', key).update(data).digest(), signature);
    }
  } catch {
    return false;
  }
}
