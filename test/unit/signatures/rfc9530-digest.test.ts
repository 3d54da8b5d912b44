// Every Content-Digest / Repr-Digest case of test/vectors/rfc9530.json, with the RFC's
// own misprints (an extra "=" of padding) refused as the strict base64 they are not, and the
// negative cases refused.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { DigestAccumulator, digestOf, formatContentDigest, parseContentDigest, verifyContentDigest, type DigestAlgorithm } from '../../../src/signatures/index.js';
import { loadVectors } from './vectors.js';

interface Body {
  text?: string;
  hex?: string;
  length: number;
  'sha-256': string;
  'sha-512': string;
}
interface Example {
  section: string;
  title: string;
  algorithm: DigestAlgorithm | 'md5' | 'sha';
  body_ref: string;
  value_in_rfc: string;
  computed: string;
  matches: boolean;
  field_value?: string;
  inconsistent_example?: string;
}
interface Negative {
  name: string;
  body_ref: string;
  content_digest: string;
}

const data = loadVectors<{ bodies: Record<string, Body>; examples: Example[]; negative_cases: Negative[] }>('rfc9530.json');
const bytes = (ref: string): Buffer => {
  const body = data.bodies[ref]!;
  return body.hex !== undefined ? Buffer.from(body.hex, 'hex') : Buffer.from(body.text ?? '', 'utf8');
};

describe('bodies', () => {
  test.each(Object.keys(data.bodies))('%s: sha-256 and sha-512, whole and streamed', (ref) => {
    const body = data.bodies[ref]!;
    const content = bytes(ref);
    expect(content.length).toBe(body.length);
    for (const algorithm of ['sha-256', 'sha-512'] as const) {
      expect(formatContentDigest(algorithm, digestOf(content, algorithm))).toBe(`${algorithm}=${body[algorithm]}`);
    }
    const streamed = new DigestAccumulator(['sha-256', 'sha-512']);
    for (let i = 0; i < content.length; i += 5) streamed.update(content.subarray(i, i + 5));
    const digests = streamed.digests();
    expect(`sha-256=:${digests.get('sha-256')!.toString('base64')}:`).toBe(`sha-256=${body['sha-256']}`);
    expect(streamed.bytes).toBe(body.length);
  });
});

describe('examples', () => {
  test.each(data.examples.map((example, index) => [`${index} ${example.section} ${example.title} (${example.algorithm})`, example] as const))('%s', (_name, example) => {
    const content = bytes(example.body_ref);
    if (example.algorithm !== 'sha-256' && example.algorithm !== 'sha-512') {
      // Deprecated (md5, sha): the RFC's sample is right, and it is never relied on.
      const nodeName = example.algorithm === 'sha' ? 'sha1' : example.algorithm;
      expect(`${example.algorithm}=:${createHash(nodeName).update(content).digest('base64')}:`).toBe(example.computed);
      expect(verifyContentDigest(example.value_in_rfc, content)).toMatch(/no supported algorithm/);
      return;
    }
    expect(formatContentDigest(example.algorithm, digestOf(content, example.algorithm))).toBe(example.computed);
    expect(verifyContentDigest(example.computed, content)).toBeUndefined();
    if (example.matches) {
      expect(example.value_in_rfc).toBe(example.computed);
    } else {
      // The RFC's misprint: not valid strict base64 inside an sf Byte Sequence.
      expect(parseContentDigest(example.value_in_rfc).ok).toBe(false);
    }
    if (example.field_value !== undefined && example.inconsistent_example !== undefined) {
      // Two members over different bytes: no body satisfies both when every member is checked.
      expect(verifyContentDigest(example.field_value, content)).toMatch(/does not match/);
    }
  });
});

describe('negative cases', () => {
  test.each(data.negative_cases.map((negative) => [negative.name, negative] as const))('%s is refused', (_name, negative) => {
    expect(verifyContentDigest(negative.content_digest, bytes(negative.body_ref))).toBeDefined();
  });
});
