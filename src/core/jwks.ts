// A parsed JWKS: public signing keys only (RSA, EC, OKP), selected by kid and by the issuer's
// algorithm allowlist. Symmetric keys and private key material are refused, so no token can
// be checked against a shared secret (HS/RS confusion) and a leaked private JWKS is noticed.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

export class JwksError extends Error {}

export interface KeySpec {
  readonly kid: string | undefined;
  readonly alg: string | undefined;
  readonly kty: 'RSA' | 'EC' | 'OKP';
  readonly crv: string | undefined;
  /** A stable identity for the key material: the verified-token cache checks the key is still published. */
  readonly id: string;
  readonly jwk: JWK;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
const MAX_KEYS = 100;

/** Which key types and curves can verify an algorithm. */
function fits(key: KeySpec, alg: string): boolean {
  if (key.alg !== undefined && key.alg !== alg) return false;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return key.kty === 'RSA';
  if (alg === 'ES256') return key.kty === 'EC' && key.crv === 'P-256';
  if (alg === 'ES384') return key.kty === 'EC' && key.crv === 'P-384';
  if (alg === 'ES512') return key.kty === 'EC' && key.crv === 'P-521';
  if (alg === 'EdDSA' || alg === 'Ed25519') return key.kty === 'OKP' && key.crv === 'Ed25519';
  return false;
}

export function parseJwks(text: string): KeySpec[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new JwksError('not JSON');
  }
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new JwksError('not a JWKS: needs a "keys" array');
  if (keys.length > MAX_KEYS) throw new JwksError(`${keys.length} keys; at most ${MAX_KEYS}`);
  return keys.map((raw: unknown, index): KeySpec => {
    if (!raw || typeof raw !== 'object') throw new JwksError(`keys[${index}]: not an object`);
    const jwk = raw as Record<string, unknown>;
    const kty = jwk['kty'];
    if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') throw new JwksError(`keys[${index}]: kty ${JSON.stringify(kty)} is not a public signing key type (RSA, EC, OKP)`);
    for (const member of PRIVATE_MEMBERS) {
      if (member in jwk) throw new JwksError(`keys[${index}]: holds private key material ("${member}"); publish public keys only`);
    }
    if (jwk['use'] !== undefined && jwk['use'] !== 'sig') throw new JwksError(`keys[${index}]: use is ${JSON.stringify(jwk['use'])}, not "sig"`);
    const kid = typeof jwk['kid'] === 'string' ? jwk['kid'] : undefined;
    const alg = typeof jwk['alg'] === 'string' ? jwk['alg'] : undefined;
    const crv = typeof jwk['crv'] === 'string' ? jwk['crv'] : undefined;
    const material = kty === 'RSA' ? [jwk['n'], jwk['e']] : [crv, jwk['x'], jwk['y']];
    const id = createHash('sha256').update(JSON.stringify([kid, alg, kty, ...material])).digest('base64url');
    return { kid, alg, kty, crv, id, jwk: jwk as JWK };
  });
}

/**
 * Can this JWK verify at all? The same rules as the WebCrypto import jose did before: `ext`, when
 * present, is a boolean, and `key_ops`, when present, permits exactly "verify" (a public key
 * published for other operations, or for none, is not used to verify).
 */
function usableForVerify(jwk: JWK): boolean {
  if (jwk.ext !== undefined && typeof jwk.ext !== 'boolean') return false;
  const ops: unknown = jwk.key_ops;
  if (ops === undefined) return true;
  return Array.isArray(ops) && ops.length === 1 && ops[0] === 'verify';
}

/** Does the imported key have the type and curve the JWK claimed (what fits() selected it by)? */
function keyMatchesSpec(spec: KeySpec, key: KeyObject): boolean {
  if (key.type !== 'public') return false;
  if (spec.kty === 'RSA') return key.asymmetricKeyType === 'rsa';
  if (spec.kty === 'OKP') return key.asymmetricKeyType === 'ed25519';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const expected = spec.crv === 'P-256' ? 'prime256v1' : spec.crv === 'P-384' ? 'secp384r1' : spec.crv === 'P-521' ? 'secp521r1' : undefined;
  return key.asymmetricKeyType === 'ec' && expected !== undefined && curve === expected;
}

/** An immutable key set plus its imported keys (importing costs more than a verify: once per key). */
export class KeySet {
  readonly ids: ReadonlySet<string>;
  /** Each key's import, or null when its JWK does not import (the set never changes, so neither will that). */
  private readonly imported = new Map<KeySpec, KeyObject | null>();

  constructor(readonly keys: readonly KeySpec[]) {
    this.ids = new Set(keys.map((key) => key.id));
  }

  /** The key for a token header: by kid when the token names one, else the only key that fits the algorithm. */
  select(alg: string, kid: string | undefined): KeySpec | undefined {
    const candidates = this.keys.filter((key) => (kid === undefined || key.kid === kid) && fits(key, alg));
    if (kid === undefined && candidates.length !== 1) return undefined;
    return candidates[0];
  }

  hasKid(kid: string): boolean {
    return this.keys.some((key) => key.kid === kid);
  }

  /** The key as a node:crypto KeyObject, imported on first use; undefined when the JWK is not a usable public key. */
  verificationKey(key: KeySpec): KeyObject | undefined {
    let imported = this.imported.get(key);
    if (imported === undefined) {
      imported = null;
      if (usableForVerify(key.jwk)) {
        try {
          const candidate = createPublicKey({ key: key.jwk as never, format: 'jwk' });
          if (keyMatchesSpec(key, candidate)) imported = candidate;
        } catch {
          // Not a valid key (a point off the curve, a malformed modulus): unusable, like a failed import before.
        }
      }
      this.imported.set(key, imported);
    }
    return imported ?? undefined;
  }
}
