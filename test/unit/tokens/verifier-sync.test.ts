// With file keys the verifier answers without a promise, on a miss and on a hit, so the token
// check adds no microtask to a request; the hit is bound to the presenting certificate and ends
// at exp.
import { generateKeyPairSync, sign } from 'node:crypto';
import { expect, test } from 'vitest';
import { TokenPolicySchema } from '../../../src/config/tokens-schema.js';
import { KeySet, parseJwks } from '../../../src/core/jwks.js';
import { TokenVerifier, type VerifyOutcome } from '../../../src/tokens/verifier.js';

const ISSUER = 'https://issuer.sync.test';
const AUDIENCE = 'spiffe://sync.test/server';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test('a miss and a hit with file keys are synchronous; a hit needs the same certificate and a future exp', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys = new KeySet(parseJwks(JSON.stringify({ keys: [{ ...(publicKey.export({ format: 'jwk' }) as object), kid: 'k1', alg: 'ES256' }] })));
  const policy = TokenPolicySchema.parse({ issuers: [{ name: 'sync', issuer: ISSUER, audiences: [AUDIENCE], algorithms: ['ES256'], jwks: 'unused.json' }], clockToleranceMs: 1000 });
  let nowMs = 1_700_000_000_000;
  const verifier = new TokenVerifier(policy, { issuers: new Map([['sync', { keys }]]), denylist: new Set() }, undefined, () => nowMs);
  const input = `${b64({ alg: 'ES256', kid: 'k1' })}.${b64({ iss: ISSUER, aud: AUDIENCE, exp: nowMs / 1000 + 60 })}`;
  const token = `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;

  const settled = (outcome: VerifyOutcome | Promise<VerifyOutcome>): VerifyOutcome => {
    expect(outcome).not.toBeInstanceOf(Promise);
    return outcome as VerifyOutcome;
  };
  expect(settled(verifier.verify(token, 'cert-a'))).toMatchObject({ ok: true, cached: false });
  expect(settled(verifier.verify(token, 'cert-a'))).toMatchObject({ ok: true, cached: true });
  // Another certificate presenting the same token is verified afresh, never served from the cache.
  expect(settled(verifier.verify(token, 'cert-b'))).toMatchObject({ ok: true, cached: false });
  expect(settled(verifier.verify(`${token.slice(0, -2)}AA`, 'cert-a'))).toMatchObject({ ok: false, reason: 'token_invalid', detail: 'signature does not verify' });
  // Past exp (and past the tolerance) the cached entry no longer answers: the token is refused.
  nowMs += 62_000;
  expect(settled(verifier.verify(token, 'cert-a'))).toMatchObject({ ok: false, reason: 'token_expired' });
});
