// Content-Digest (RFC 9530): sha-256 and sha-512 of the content, computed while it streams.
// The field is an RFC 8941 Dictionary of Byte Sequences; deprecated algorithms (md5, sha,
// crc32c...) are never relied on. Every supported member must match; a field with no
// supported member is refused.
import { createHash, timingSafeEqual, type Hash } from 'node:crypto';
import { parseDictionary } from 'structured-headers';

export const DIGEST_ALGORITHMS = ['sha-256', 'sha-512'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

const NODE_HASH: Record<DigestAlgorithm, string> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

/** Hashes content chunk by chunk, for each algorithm asked for. */
export class DigestAccumulator {
  private readonly hashes: Array<[DigestAlgorithm, Hash]>;
  bytes = 0;

  constructor(algorithms: Iterable<DigestAlgorithm>) {
    this.hashes = [...new Set(algorithms)].map((algorithm) => [algorithm, createHash(NODE_HASH[algorithm])]);
  }

  update(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    for (const [, hash] of this.hashes) hash.update(chunk);
  }

  digests(): Map<DigestAlgorithm, Buffer> {
    return new Map(this.hashes.map(([algorithm, hash]) => [algorithm, hash.digest()]));
  }
}

export function digestOf(content: Uint8Array | string, algorithm: DigestAlgorithm): Buffer {
  return createHash(NODE_HASH[algorithm]).update(content).digest();
}

/** `sha-256=:base64:` for one algorithm. */
export function formatContentDigest(algorithm: DigestAlgorithm, digest: Uint8Array): string {
  return `${algorithm}=:${Buffer.from(digest).toString('base64')}:`;
}

export type ParsedDigest = { ok: true; members: Map<DigestAlgorithm, Buffer> } | { ok: false; problem: string };

/** Parse a Content-Digest value: supported members only; malformed fields are refused. */
export function parseContentDigest(value: string): ParsedDigest {
  let dictionary;
  try {
    dictionary = parseDictionary(value);
  } catch (error) {
    return { ok: false, problem: `Content-Digest is not a structured dictionary: ${(error as Error).message}` };
  }
  const members = new Map<DigestAlgorithm, Buffer>();
  for (const [key, member] of dictionary) {
    const bare = member[0];
    if (!(bare instanceof ArrayBuffer)) return { ok: false, problem: `Content-Digest member ${key} is not a byte sequence` };
    if ((DIGEST_ALGORITHMS as readonly string[]).includes(key)) members.set(key as DigestAlgorithm, Buffer.from(bare));
  }
  if (members.size === 0) return { ok: false, problem: 'Content-Digest has no supported algorithm (sha-256, sha-512)' };
  return { ok: true, members };
}

/** Compare parsed members with computed digests: every supported member must match. */
export function digestsMatch(members: ReadonlyMap<DigestAlgorithm, Buffer>, computed: ReadonlyMap<DigestAlgorithm, Buffer>): string | undefined {
  for (const [algorithm, claimed] of members) {
    const actual = computed.get(algorithm);
    if (!actual) return `${algorithm} was not computed`;
    if (claimed.length !== actual.length || !timingSafeEqual(claimed, actual)) return `${algorithm} does not match the content`;
  }
  return undefined;
}

/** Check a Content-Digest field against content held in memory. */
export function verifyContentDigest(value: string, content: Uint8Array | string): string | undefined {
  const parsed = parseContentDigest(value);
  if (!parsed.ok) return parsed.problem;
  const computed = new Map([...parsed.members.keys()].map((algorithm) => [algorithm, digestOf(content, algorithm)] as const));
  return digestsMatch(parsed.members, computed);
}
