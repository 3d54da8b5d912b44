import { describe, expect, test } from 'vitest';
import { compilePathPattern, matchPathPattern, validatePathPattern } from '../../../src/core/path-pattern.js';

const matches = (pattern: string, path: string) =>
  matchPathPattern(compilePathPattern(pattern), path === '/' ? [] : path.slice(1).split('/').filter((s, i, all) => !(s === '' && i === all.length - 1)));

describe('path patterns', () => {
  test('literal, * and trailing **', () => {
    expect(matches('/health', '/health')).toBe(true);
    expect(matches('/health', '/health/x')).toBe(false);
    expect(matches('/users/*', '/users/42')).toBe(true);
    expect(matches('/users/*', '/users')).toBe(false);
    expect(matches('/users/*', '/users/42/orders')).toBe(false);
    expect(matches('/users/*/orders', '/users/42/orders')).toBe(true);
    expect(matches('/public/**', '/public')).toBe(true);
    expect(matches('/public/**', '/public/a/b/c')).toBe(true);
    expect(matches('/public/**', '/publicity')).toBe(false);
    expect(matches('/**', '/anything/at/all')).toBe(true);
    expect(matches('/', '/')).toBe(true);
    expect(matches('/', '/x')).toBe(false);
  });

  test.each([
    ['api', 'must start with "/"'],
    ['/a//b', 'empty segments'],
    ['/a/../b', '".."'],
    ['/a/**/b', 'last segment'],
    ['/a/b*', 'whole segment'],
    ['/a%2fb', 'decoded'],
    ['/a?x=1', 'query'],
  ])('refuses %s', (pattern, problem) => {
    expect(validatePathPattern(pattern)).toContain(problem);
  });

  test('accepts good patterns', () => {
    for (const pattern of ['/', '/a', '/a/', '/a/*', '/a/*/b', '/a/**', '/**']) expect(validatePathPattern(pattern)).toBeUndefined();
  });
});
