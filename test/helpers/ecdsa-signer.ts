// An independent RFC 9421 ECDSA signer for the malleability tests: its own signature base (by
// hand, from RFC 9421 §2.5), node:crypto for the signature, and its own arithmetic for the
// twin (r, n − s) that verifies over the same base. Nothing from src/signatures, so a bug
// there cannot hide in both signer and verifier.
import { sign, type KeyObject } from 'node:crypto';

export type Curve = 'p256' | 'p384';

const ORDER: Record<Curve, bigint> = {
  p256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  p384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};
const HASH: Record<Curve, string> = { p256: 'sha256', p384: 'sha384' };
const SIZE: Record<Curve, number> = { p256: 32, p384: 48 };

export interface EcdsaSigned {
  /** The Signature-Input member value (without the label). */
  readonly params: string;
  /** The same signature twice: s ≤ n/2, and its twin with n − s. */
  readonly low: Buffer;
  readonly high: Buffer;
}

function toBytes(value: bigint, size: number): Buffer {
  return Buffer.from(value.toString(16).padStart(size * 2, '0'), 'hex');
}

/**
 * Sign `@method`, `@authority` and `@path` with `params` exactly as given after the component
 * list (e.g. `;created=1700000000;keyid="k"`): a lenient signer, so the tests can also sign
 * parameters a strict verifier must refuse.
 */
export function signEcdsa(curve: Curve, key: KeyObject, request: { method: string; authority: string; path: string }, paramText: string): EcdsaSigned {
  const params = `("@method" "@authority" "@path")${paramText}`;
  const base = [`"@method": ${request.method}`, `"@authority": ${request.authority}`, `"@path": ${request.path}`, `"@signature-params": ${params}`].join('\n');
  const raw = sign(HASH[curve], Buffer.from(base, 'utf8'), { key, dsaEncoding: 'ieee-p1363' });
  const size = SIZE[curve];
  const r = raw.subarray(0, size);
  const s = BigInt(`0x${raw.subarray(size).toString('hex')}`);
  const n = ORDER[curve];
  const lowS = s > n / 2n ? n - s : s;
  return { params, low: Buffer.concat([r, toBytes(lowS, size)]), high: Buffer.concat([r, toBytes(n - lowS, size)]) };
}
