// ECDSA malleability: isHighS tells the two encodings of one signature apart, and what
// Palisade signs is always low-s (so a verifier that refuses high s accepts it).
import { generateKeyPairSync, verify } from 'node:crypto';
import { expect, test } from 'vitest';
import { isHighS, signBase, verifyBase } from '../../../src/signatures/algorithms.js';

const CASES = [
  ['ecdsa-p256-sha256', 'P-256', 'sha256', 32, 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n],
  ['ecdsa-p384-sha384', 'P-384', 'sha384', 48, 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n],
] as const;

for (const [algorithm, namedCurve, hash, size, order] of CASES) {
  test(`${algorithm}: every signature we make is low-s, and its (r, n − s) twin verifies but is high-s`, () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
    // Enough signatures that about half would have been high-s before normalizing.
    for (let i = 0; i < 24; i += 1) {
      const base = `"@method": GET\n"@signature-params": ();created=${i}`;
      const signature = signBase(algorithm, privateKey, base);
      expect(isHighS(algorithm, signature)).toBe(false);
      expect(verifyBase(algorithm, publicKey, base, signature)).toBe(true);
      const s = BigInt(`0x${signature.subarray(size).toString('hex')}`);
      const twin = Buffer.concat([signature.subarray(0, size), Buffer.from((order - s).toString(16).padStart(size * 2, '0'), 'hex')]);
      expect(verify(hash, Buffer.from(base), { key: publicKey, dsaEncoding: 'ieee-p1363' }, twin)).toBe(true);
      expect(isHighS(algorithm, twin)).toBe(true);
    }
  });
}

test('isHighS is false for other algorithms and wrong lengths', () => {
  expect(isHighS('ed25519', Buffer.alloc(64, 0xff))).toBe(false);
  expect(isHighS('ecdsa-p256-sha256', Buffer.alloc(63, 0xff))).toBe(false);
});
