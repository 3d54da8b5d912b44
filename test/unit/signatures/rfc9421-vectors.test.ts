// Every RFC 9421 vector in test/vectors/rfc9421.json: the signature base is the RFC's,
// deterministic algorithms reproduce the RFC's bytes, randomized ones verify, and the
// must-fail vectors fail. Keys load from PEM and from JWK.
import { createSecretKey, type KeyObject } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  importSigningKey,
  importVerifyKey,
  parseSignatureFields,
  signatureBase,
  signMessage,
  SignatureError,
  verifyMessage,
  verifyParsedSignature,
  type SignatureAlgorithm,
} from '../../../src/signatures/index.js';
import { loadVectors, toMessage, type ParsedMessage } from './vectors.js';

interface KeyVector {
  kty: string;
  public_pem?: string;
  private_pem?: string;
  secret_base64?: string;
  jwk: Record<string, string>;
}
interface Vector {
  name: string;
  label: string;
  algorithm: SignatureAlgorithm;
  keyid: string;
  key_ref: string;
  deterministic: boolean;
  expect: 'valid' | 'invalid';
  message_parsed: ParsedMessage;
  related_request_parsed?: ParsedMessage;
  target_uri?: string;
  signature_b64: string;
  signature_base: string | null;
}

const data = loadVectors<{ keys: Record<string, KeyVector>; vectors: Vector[] }>('rfc9421.json');

function keys(ref: string, algorithm: SignatureAlgorithm): { verify: KeyObject; sign: KeyObject; verifyJwk: KeyObject } {
  const key = data.keys[ref]!;
  if (key.secret_base64) {
    const secret = createSecretKey(Buffer.from(key.secret_base64, 'base64'));
    return { verify: secret, sign: secret, verifyJwk: importVerifyKey(JSON.stringify(key.jwk), algorithm) };
  }
  return {
    verify: importVerifyKey(key.public_pem!, algorithm),
    sign: importSigningKey(key.private_pem!, algorithm),
    verifyJwk: importVerifyKey(JSON.stringify({ keys: [key.jwk] }), algorithm, ref),
  };
}

function messageOf(vector: Vector) {
  const scheme = vector.target_uri ? new URL(vector.target_uri).protocol.replace(':', '') : 'https';
  return toMessage(vector.message_parsed, scheme, vector.related_request_parsed);
}

test('the vector file has the three must-fail vectors', () => {
  expect(data.vectors.filter((vector) => vector.expect === 'invalid').map((vector) => vector.name)).toEqual([
    'sec4.3-client-sig1-after-proxy',
    'B.4-transform-4',
    'B.4-transform-5',
  ]);
});

describe.each(data.vectors.map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
  const message = messageOf(vector);
  const { verify, sign, verifyJwk } = keys(vector.key_ref, vector.algorithm);

  if (vector.signature_base !== null) {
    test('the signature base is the RFC one', () => {
      const parsed = parseSignatureFields(message.headers).get(vector.label)!;
      expect(signatureBase(message, parsed.components, parsed.input)).toBe(vector.signature_base);
    });
  }

  if (vector.expect === 'valid') {
    test('verifies (PEM and JWK keys)', () => {
      expect(verifyMessage(message, vector.label, { algorithm: vector.algorithm, key: verify }).params.keyid).toBe(vector.keyid);
      expect(() => verifyMessage(message, vector.label, { algorithm: vector.algorithm, key: verifyJwk })).not.toThrow();
    });

    test(vector.deterministic ? 're-signing reproduces the RFC bytes' : 'a fresh signature over the same base verifies', () => {
      const parsed = parseSignatureFields(message.headers).get(vector.label)!;
      const params = Object.fromEntries([...parsed.input[1].entries()]) as Record<string, string | number>;
      const signed = signMessage(message, { label: vector.label, components: parsed.components, algorithm: vector.algorithm, key: sign, params });
      if (vector.deterministic) {
        expect(signed.signature).toBe(`${vector.label}=:${vector.signature_b64}:`);
      } else {
        const fresh = Buffer.from(signed.signature.slice(vector.label.length + 2, -1), 'base64');
        expect(() => verifyParsedSignature(message, { ...parsed, signature: fresh }, { algorithm: vector.algorithm, key: verify })).not.toThrow();
      }
      if (vector.signature_base !== null) expect(signed.base).toBe(vector.signature_base);
    });

    test('one flipped signature bit fails', () => {
      const parsed = parseSignatureFields(message.headers).get(vector.label)!;
      const broken = Buffer.from(parsed.signature);
      broken[5] = (broken[5] as number) ^ 1;
      expect(() => verifyParsedSignature(message, { ...parsed, signature: broken }, { algorithm: vector.algorithm, key: verify })).toThrow(SignatureError);
    });
  } else {
    test('must fail', () => {
      let error: unknown;
      try {
        verifyMessage(message, vector.label, { algorithm: vector.algorithm, key: verify });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SignatureError);
      expect((error as SignatureError).kind).toBe('invalid');
    });
  }
});
