// Differential test of the token verifier (node:crypto) against jose: for every token of the
// corpus (test/helpers/token-corpus.ts) and two policies, our verdict (accepted or not, reason,
// detail, issuer label) equals the one jose's jwtVerify and the old error mapping give
// (test/helpers/jose-token-oracle.ts), except where ours is deliberately stricter about the
// base64url spelling; a second pass through a caching verifier gives the same verdicts again.
import { beforeAll, describe, expect, test } from 'vitest';
import { KeySet, parseJwks } from '../../../src/core/jwks.js';
import type { TokenPolicyConfig } from '../../../src/config/tokens-schema.js';
import { TokenVerifier, type VerifyOutcome } from '../../../src/tokens/verifier.js';
import { joseVerdict, type Verdict } from '../../helpers/jose-token-oracle.js';
import { buildCorpus, corpusKeys, corpusPolicies, type CorpusCase } from '../../helpers/token-corpus.js';

const NOW_SECONDS = Math.floor(Date.now() / 1000);
// Mid-second, so a claim one second either side of a limit is unambiguous for both clocks.
const NOW_MS = NOW_SECONDS * 1000 + 400;

let corpus: CorpusCase[];
let keySets: Map<string, KeySet>;
const policies = corpusPolicies();

beforeAll(async () => {
  const keys = corpusKeys();
  keySets = new Map(Object.entries(keys.jwks).map(([name, text]) => [name, new KeySet(parseJwks(text))]));
  corpus = await buildCorpus(keys, NOW_SECONDS);
});

function verifier(policy: TokenPolicyConfig): TokenVerifier {
  const issuers = new Map([...keySets].map(([name, keys]) => [name, { keys }]));
  return new TokenVerifier(policy, { issuers, denylist: new Set() }, undefined, () => NOW_MS);
}

function verdictOf(outcome: VerifyOutcome): Verdict {
  if (!outcome.ok) return { ok: false, issuer: outcome.issuer, reason: outcome.reason, detail: outcome.detail };
  const token = outcome.token;
  return { ok: true, issuer: token.issuer, keyId: token.keyId, scopes: [...token.scopes], x5tS256: token.x5tS256, expiresAt: token.expiresAt };
}

describe.each(['lenient', 'strict'] as const)('policy %s', (policyName) => {
  const policy = policies[policyName];

  test('every corpus token gets jose\'s verdict (reason and detail), or a stricter refusal where marked', async () => {
    const ours = verifier(policy);
    const mismatches: string[] = [];
    for (const entry of corpus) {
      const expected = await joseVerdict(entry.token, policy, keySets, NOW_MS);
      const actual = verdictOf(await ours.verify(entry.token, 'cert-sha256'));
      if (entry.stricter !== undefined) {
        // Stricter: whatever jose said (it accepted, or refused for some reason), ours refuses as marked.
        const oursAsMarked = !actual.ok && actual.reason === 'token_invalid' && actual.detail === entry.stricter;
        if (!oursAsMarked) mismatches.push(`${entry.name} (stricter): jose ${JSON.stringify(expected)}, ours ${JSON.stringify(actual)}`);
        continue;
      }
      if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push(`${entry.name}: jose ${JSON.stringify(expected)}, ours ${JSON.stringify(actual)}`);
    }
    expect(mismatches).toEqual([]);
  });

  test('the corpus covers acceptance for every algorithm and refusal under every token reason', async () => {
    const ours = verifier(policy);
    const accepted = new Set<string>();
    const reasons = new Set<string>();
    for (const entry of corpus) {
      const outcome = await ours.verify(entry.token, 'cert-sha256');
      if (outcome.ok) accepted.add(JSON.parse(new TextDecoder().decode(Buffer.from(entry.token.split('.')[0] as string, 'base64url'))).alg);
      else reasons.add(outcome.reason);
    }
    expect([...accepted].sort()).toEqual(['ES256', 'ES384', 'ES512', 'Ed25519', 'EdDSA', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512']);
    const expectedReasons = ['token_invalid', 'unknown_issuer', 'wrong_audience', 'token_expired'];
    if (policyName === 'strict') expectedReasons.push('token_lifetime_too_long');
    expect([...reasons].sort()).toEqual(expectedReasons.sort());
  });

  test('through the cache: a second presentation of each token gets the first verdict, a hit only for accepted ones', async () => {
    const cached = verifier({ ...policy, cache: { maxEntries: 10_000 } });
    const mismatches: string[] = [];
    // RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic: jose's and ours are the same token.
    const distinct = [...new Map(corpus.map((entry) => [entry.token, entry])).values()];
    for (const entry of distinct) {
      const first = await cached.verify(entry.token, 'cert-sha256');
      const second = await cached.verify(entry.token, 'cert-sha256');
      if (JSON.stringify(verdictOf(second)) !== JSON.stringify(verdictOf(first))) mismatches.push(`${entry.name}: verdict changed`);
      // Cached until exp: a token accepted only thanks to the clock tolerance is verified afresh each time.
      if (second.ok && second.token.expiresAt > NOW_MS && !second.cached) mismatches.push(`${entry.name}: accepted but not from the cache`);
      if (second.ok && second.token.expiresAt <= NOW_MS && second.cached) mismatches.push(`${entry.name}: served from the cache after exp`);
      if (first.ok && first.cached) mismatches.push(`${entry.name}: first presentation served from the cache`);
      const otherCertificate = await cached.verify(entry.token, 'another-cert-sha256');
      if (otherCertificate.ok && otherCertificate.cached) mismatches.push(`${entry.name}: a hit for another certificate`);
    }
    expect(mismatches).toEqual([]);
  });
});
