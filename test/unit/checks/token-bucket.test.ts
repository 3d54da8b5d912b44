// The token bucket on its own: burst, refill, Retry-After, and a changed limit applied to a kept level.
import { expect, test } from 'vitest';
import { fullBucket, take } from '../../../src/checks/token-bucket.js';

test('a full bucket allows `burst` requests at once, then refuses until a token has refilled', () => {
  const limit = { rate: 2, burst: 3 };
  const level = fullBucket(limit, 0);
  expect([take(level, limit, 0), take(level, limit, 0), take(level, limit, 0)].every((result) => result.ok)).toBe(true);
  expect(take(level, limit, 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
  // Half a second at 2/s is one token.
  expect(take(level, limit, 500).ok).toBe(true);
  expect(take(level, limit, 500).ok).toBe(false);
});

test('Retry-After is the whole seconds until the next token, rounded up, at least 1', () => {
  const slow = { rate: 0.1, burst: 1 };
  const level = fullBucket(slow, 0);
  expect(take(level, slow, 0).ok).toBe(true);
  expect(take(level, slow, 0)).toEqual({ ok: false, retryAfterSeconds: 10 });
  expect(take(level, slow, 2_500)).toEqual({ ok: false, retryAfterSeconds: 8 });
  const fast = { rate: 1000, burst: 1 };
  const busy = fullBucket(fast, 0);
  take(busy, fast, 0);
  expect(take(busy, fast, 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
});

test('a quiet caller refills to burst, never above', () => {
  const limit = { rate: 10, burst: 2 };
  const level = fullBucket(limit, 0);
  take(level, limit, 0);
  take(level, limit, 0);
  expect(take(level, limit, 60_000).ok).toBe(true);
  expect(level.tokens).toBe(1);
});

test('a changed limit applies to the kept level: a smaller burst clamps it, a new rate refills at that rate', () => {
  const before = { rate: 1, burst: 100 };
  const level = fullBucket(before, 0);
  const after = { rate: 1, burst: 2 };
  expect(take(level, after, 0).ok).toBe(true);
  expect(take(level, after, 0).ok).toBe(true);
  expect(take(level, after, 0).ok).toBe(false);
  const faster = { rate: 4, burst: 2 };
  expect(take(level, faster, 250).ok).toBe(true);
});

test('a clock step backwards neither refills nor drains', () => {
  const limit = { rate: 1, burst: 1 };
  const level = fullBucket(limit, 10_000);
  expect(take(level, limit, 10_000).ok).toBe(true);
  expect(take(level, limit, 5_000).ok).toBe(false);
  expect(take(level, limit, 11_000).ok).toBe(true);
});
