// The fast path of path normalization must never change an answer: wherever it answers, its
// result is byte for byte what the full normalization returns, in both parameter modes; and
// normalizePath() as a whole equals the full normalization on every input. Inputs: every
// target of the path bypass tests, the normalization unit cases, an exhaustive set of short
// paths over the characters that matter, and a seeded random set.
import { expect, test } from 'vitest';
import { normalizeAlreadyNormal, normalizeInFull, normalizePath, type PathParameters } from '../../../src/pipeline/path-normalize.js';

// test/integration/path-parameters-bypass.test.ts and path-normalization-bypass.test.ts.
const BYPASS_INPUTS = [
  '/admin', '/public/x',
  '/admin;x=y', '/%61dmin;', '/admin;jsessionid=ABC/users', '/public/..;/admin', '/;/admin', '//admin;x/', '/admin%3Bx=y', '/admin%3b',
  '/admin.', '/admin%2e', '/admin./users', '/admin%20', '/admin%09', '/admin%0a', '/admin%0d%0a', '/%252e%252e/admin',
  '/public/%252e%252e/admin', '/%c0%ae%c0%ae/admin', '/%e0%80%ae/admin', '/adm%c0%e9n', '/%ef%bd%81dmin', '/%EF%BC%A1DMIN',
  '/admin%e2%80%a4', '/public\\..\\admin', '/public%5c..%5cadmin', '/adm\u00c3\u00adn',
  '/public/v1.2/file.json', '/public/caf%C3%A9', '/public/a%3Ab', '/.well-known/x', '/public/x?q=a;b&c=%3B',
  '/;x=1/admin/users', '/public/cart;jsessionid=ABC/items;v=2?x=1',
  '/', '/api/orders', '/api/orders/', '/admin/../public', '//admin', '/public//x', '/%2e%2e/admin', '/public/%2E%2E/admin',
  '/public/.%2e/admin', '/a/./b', '/a/b/..', '/../../etc', '/%61dmin', '/a%3ab', '/a?b#c', '/a#b', 'a/b', '*', '', '/a/b?x=../y',
  '/bench/echo?q=1', '/a/b/', '/a.b/c.d', '/~user/x', "/!$&'()*+,=:@/x", '/a//', '/.', '/..', '/a/.', '/a/..', '/a./', '/.a/',
];

const MODES: PathParameters[] = ['reject', 'strip'];

/** Disagreements found, as readable lines; every test ends by expecting none. */
const mismatches: string[] = [];

function check(target: string): boolean {
  const fast = normalizeAlreadyNormal(target);
  for (const mode of MODES) {
    // JSON of the whole result: strings compared exactly, segments in order, every field.
    const full = JSON.stringify(normalizeInFull(target, mode));
    if (fast !== undefined && JSON.stringify(fast) !== full) mismatches.push(`fast path, ${mode}: ${JSON.stringify(target)}: ${JSON.stringify(fast)} vs ${full}`);
    const whole = JSON.stringify(normalizePath(target, mode));
    if (whole !== full) mismatches.push(`normalizePath, ${mode}: ${JSON.stringify(target)}: ${whole} vs ${full}`);
  }
  return fast !== undefined;
}

test('the bypass inputs: the fast path agrees wherever it answers, and refuses none of them itself', () => {
  let fast = 0;
  for (const target of BYPASS_INPUTS) if (check(target)) fast += 1;
  expect(mismatches).toEqual([]);
  // It does answer for plain paths (else this test would prove nothing).
  expect(fast).toBeGreaterThan(10);
  for (const target of ['/bench/echo?q=1', '/api/orders/', '/', '/public/v1.2/file.json']) expect(normalizeAlreadyNormal(target), target).toBeDefined();
  // It never answers for a path that needs work or is refused.
  for (const target of ['/admin;x=y', '/admin.', '//admin', '/a/./b', '/%61dmin', '/public\\..\\admin', '/a#b', '/a?b#c', 'a/b', '/.well-known/x']) {
    expect(normalizeAlreadyNormal(target), target).toBeUndefined();
  }
});

test('every path of up to 4 characters over / a . % 2 e ; ? # \\ and space', () => {
  const alphabet = ['/', 'a', '.', '%', '2', 'e', ';', '?', '#', '\\', ' '];
  let count = 0;
  const walk = (prefix: string, depth: number) => {
    check(prefix);
    count += 1;
    if (depth === 0) return;
    for (const ch of alphabet) walk(prefix + ch, depth - 1);
  };
  walk('/', 4);
  expect(count).toBeGreaterThan(15_000);
  expect(mismatches).toEqual([]);
});

test('a seeded random set of longer targets', () => {
  // xorshift32: the same inputs on every run.
  let state = 0x9e3779b9;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  const pieces = ['/', '/', '/', 'api', 'v1', 'a', 'B', '0', '.', '..', '-', '_', '~', '%2e', '%2E', '%2f', '%5c', '%3b', '%25', '%41', '%c3%a9', '%c0%ae', '%20', ';', ';x=1', '?', '?q=1', '#', '\\', '\u00e9', '\u0000', '\u007f', ' ', "'", '(', '*', '+', ',', '=', ':', '@', '!', '$', '&', '"', '<', '[', '{', '|', '^', '`'];
  for (let i = 0; i < 20_000; i += 1) {
    let target = next() < 0.97 ? '/' : '';
    const length = 1 + Math.floor(next() * 10);
    for (let j = 0; j < length; j += 1) target += pieces[Math.floor(next() * pieces.length)];
    check(target);
  }
  expect(mismatches).toEqual([]);
});
