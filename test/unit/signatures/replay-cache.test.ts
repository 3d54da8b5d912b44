// The replay memory: a value is refused until its deadline passes, the cache never holds more
// than its capacity, and the oldest entry goes first when full (counted).
import { expect, test } from 'vitest';
import { ReplayCache } from '../../../src/signatures/replay-cache.js';

test('a key is refused until its deadline, and accepted again after it', () => {
  const cache = new ReplayCache(10);
  const now = Date.now();
  expect(cache.remember('n\0k\0abc', now + 5_000, now)).toBe(true);
  expect(cache.remember('n\0k\0abc', now + 5_000, now + 1)).toBe(false);
  expect(cache.remember('n\0k\0abc', now + 5_000, now + 4_999)).toBe(false);
  // Deadlines are kept in whole seconds rounded up: never shorter than asked, at most 1 s longer.
  expect(cache.remember('n\0k\0abc', now + 5_000, now + 6_001)).toBe(true);
  expect(cache.size).toBe(1);
});

test('the deadline is never shortened by rounding, for any millisecond offset', () => {
  const cache = new ReplayCache(2_000);
  const now = Date.now();
  for (let offset = 1; offset <= 1_500; offset += 7) {
    const key = `n\0k\0${offset}`;
    expect(cache.remember(key, now + offset, now)).toBe(true);
    expect(cache.remember(key, now + offset, now + offset - 1), `offset ${offset}`).toBe(false);
  }
});

test('when full of live entries, the oldest is forgotten and counted; the newest never is', () => {
  const cache = new ReplayCache(3);
  const now = Date.now();
  for (const nonce of ['a', 'b', 'c', 'd']) expect(cache.remember(nonce, now + 60_000, now)).toBe(true);
  expect(cache.size).toBe(3);
  expect(cache.evictions).toBe(1);
  expect(cache.remember('a', now + 60_000, now)).toBe(true); // forgotten: accepted again
  expect(cache.remember('d', now + 60_000, now)).toBe(false);
  expect(cache.evictions).toBe(2);
});

test('expired entries are swept, so they do not count as evictions', () => {
  const cache = new ReplayCache(3);
  const now = Date.now();
  for (const nonce of ['a', 'b', 'c']) cache.remember(nonce, now + 1_000, now);
  cache.remember('d', now + 60_000, now + 10_000);
  expect(cache.size).toBe(1);
  expect(cache.evictions).toBe(0);
});

test('a smaller capacity after a reload applies from the next entry on', () => {
  const cache = new ReplayCache(5);
  const now = Date.now();
  for (const nonce of ['a', 'b', 'c', 'd', 'e']) cache.remember(nonce, now + 60_000, now);
  cache.resize(2);
  expect(cache.limit).toBe(2);
  cache.remember('f', now + 60_000, now);
  expect(cache.size).toBe(2);
  expect(cache.evictions).toBe(4);
});

test('keys that differ only past an escape or in their keyid part stay apart', () => {
  const cache = new ReplayCache(10);
  const now = Date.now();
  expect(cache.remember('n\0key-1\0x"y', now + 60_000, now)).toBe(true);
  expect(cache.remember('n\0key-2\0x"y', now + 60_000, now)).toBe(true);
  expect(cache.remember('n\0key-1\0x\\y', now + 60_000, now)).toBe(true);
  expect(cache.remember('n\0key-1\0x"y', now + 60_000, now)).toBe(false);
});
