// Key material from text: PEM (SPKI, PKCS#1, PKCS#8, SEC1, or a certificate), a JWK, or a JWKS
// (pick by kid). Shared secrets (hmac-sha256) are an oct JWK or base64 text.
import { createPrivateKey, createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { SignatureAlgorithm } from './algorithms.js';

type Jwk = JsonWebKey & { kid?: string; kty?: string; k?: string };

function jwkFrom(text: string, kid: string | undefined): Jwk {
  const parsed = JSON.parse(text) as Jwk | { keys?: Jwk[] };
  if ('keys' in parsed && Array.isArray(parsed.keys)) {
    const matches = parsed.keys.filter((key) => kid === undefined || key.kid === kid);
    if (matches.length !== 1) throw new Error(matches.length === 0 ? `no key with kid ${JSON.stringify(kid)} in the JWKS` : `${matches.length} keys with kid ${JSON.stringify(kid)} in the JWKS`);
    return matches[0] as Jwk;
  }
  return parsed as Jwk;
}

function secretFrom(text: string, kid: string | undefined): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const jwk = jwkFrom(trimmed, kid);
    if (jwk.kty !== 'oct' || typeof jwk.k !== 'string') throw new Error('a shared secret JWK must be kty "oct" with "k"');
    return createSecretKey(Buffer.from(jwk.k, 'base64url'));
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) throw new Error('a shared secret file must be base64 text or an oct JWK');
  return createSecretKey(Buffer.from(trimmed, 'base64'));
}

/** A verification key (public key, or the secret for hmac-sha256). `kid` selects from a JWKS. */
export function importVerifyKey(text: string, algorithm: SignatureAlgorithm, kid?: string): KeyObject {
  if (algorithm === 'hmac-sha256') return secretFrom(text, kid);
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const jwk = jwkFrom(trimmed, kid);
    // Public part only: a JWK that also holds "d" still yields just the public key.
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
    return createPublicKey({ key: pub as JsonWebKey, format: 'jwk' });
  }
  return createPublicKey(trimmed);
}

/** A signing key (private key, or the secret for hmac-sha256). */
export function importSigningKey(text: string, algorithm: SignatureAlgorithm, kid?: string): KeyObject {
  if (algorithm === 'hmac-sha256') return secretFrom(text, kid);
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return createPrivateKey({ key: jwkFrom(trimmed, kid) as JsonWebKey, format: 'jwk' });
  return createPrivateKey(trimmed);
}
