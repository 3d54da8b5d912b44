// The JWS signature check's fixed parameters: raw r || s for ECDSA (DER refused), a PSS salt as
// long as the hash, PKCS#1 v1.5 not accepted for PS*, the 2048-bit RSA floor, Ed25519.
import { constants, generateKeyPairSync, sign } from 'node:crypto';
import { expect, test } from 'vitest';
import { rsaKeyTooShort, verifyJwsSignature } from '../../../src/tokens/jws-signature.js';

const data = Buffer.from('eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0');

test('ECDSA: raw r || s of the curve size verifies; the same signature in DER, or one byte short, does not', () => {
  for (const [alg, namedCurve, hash, length] of [['ES256', 'P-256', 'sha256', 64], ['ES384', 'P-384', 'sha384', 96], ['ES512', 'P-521', 'sha512', 132]] as const) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
    const raw = sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    expect(raw.length).toBe(length);
    expect(verifyJwsSignature(alg, publicKey, data, raw)).toBe(true);
    expect(verifyJwsSignature(alg, publicKey, data, sign(hash, data, { key: privateKey, dsaEncoding: 'der' }))).toBe(false);
    expect(verifyJwsSignature(alg, publicKey, data, raw.subarray(1))).toBe(false);
    expect(verifyJwsSignature(alg, publicKey, Buffer.concat([data, Buffer.from('x')]), raw)).toBe(false);
  }
});

test('RSA: PSS needs the hash-length salt and PSS padding; RS needs PKCS#1 v1.5; keys under 2048 bits are flagged', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pss = (saltLength: number) => sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
  expect(verifyJwsSignature('PS256', publicKey, data, pss(32))).toBe(true);
  expect(verifyJwsSignature('PS256', publicKey, data, pss(20))).toBe(false);
  expect(verifyJwsSignature('PS256', publicKey, data, sign('sha256', data, privateKey))).toBe(false);
  expect(verifyJwsSignature('RS256', publicKey, data, sign('sha256', data, privateKey))).toBe(true);
  expect(verifyJwsSignature('RS256', publicKey, data, pss(32))).toBe(false);
  expect(verifyJwsSignature('RS384', publicKey, data, sign('sha256', data, privateKey))).toBe(false);
  expect(rsaKeyTooShort('RS256', publicKey)).toBe(false);
  const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  expect(rsaKeyTooShort('RS256', short)).toBe(true);
  expect(rsaKeyTooShort('PS512', short)).toBe(true);
  expect(rsaKeyTooShort('ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)).toBe(false);
});

test('Ed25519 under EdDSA and Ed25519; a key of the wrong type is a failed verification, not an exception', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signature = sign(null, data, privateKey);
  expect(verifyJwsSignature('EdDSA', publicKey, data, signature)).toBe(true);
  expect(verifyJwsSignature('Ed25519', publicKey, data, signature)).toBe(true);
  expect(verifyJwsSignature('EdDSA', publicKey, data, Buffer.alloc(64))).toBe(false);
  expect(verifyJwsSignature('ES256', publicKey, data, Buffer.alloc(64))).toBe(false);
  expect(verifyJwsSignature('RS256', publicKey, data, Buffer.alloc(256))).toBe(false);
});
