import { describe, expect, test } from 'vitest';
import { normalizePath } from '../../../src/pipeline/path-normalize.js';

describe('normalizePath', () => {
  test.each([
    ['/', '/', []],
    ['/api/orders', '/api/orders', ['api', 'orders']],
    ['/api/orders/', '/api/orders/', ['api', 'orders']],
    ['/admin/../public', '/public', ['public']],
    ['//admin', '/admin', ['admin']],
    ['/public//x', '/public/x', ['public', 'x']],
    ['/%2e%2e/admin', '/admin', ['admin']],
    ['/public/%2E%2E/admin', '/admin', ['admin']],
    ['/public/.%2e/admin', '/admin', ['admin']],
    ['/a/./b', '/a/b', ['a', 'b']],
    ['/a/b/..', '/a/', ['a']],
    ['/../../etc', '/etc', ['etc']],
    ['/%61dmin', '/admin', ['admin']],
    ['/a%3ab', '/a%3Ab', ['a%3Ab']],
    ['/.well-known/x', '/.well-known/x', ['.well-known', 'x']],
  ])('%s → %s', (input, path, segments) => {
    const result = normalizePath(input);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.path).toBe(path);
    expect(result.segments).toEqual(segments);
    expect(result.changed).toBe(path !== input);
  });

  test('keeps the query exactly as sent, dot segments and all', () => {
    const result = normalizePath('/x/../y?a=../b&c=%2F');
    expect(result).toMatchObject({ ok: true, path: '/y', query: '?a=../b&c=%2F' });
  });

  test.each([
    ['/%2fadmin', 'encoded'],
    ['/%2Fadmin', 'encoded'],
    ['/public%5c..%5cadmin', 'encoded'],
    ['/a\\b', 'backslash'],
    ['/a%00b', 'NUL'],
    ['/a%zz', 'percent-encoding'],
    ['/a%4', 'percent-encoding'],
    ['http://evil/admin', 'origin-form'],
    ['*', 'origin-form'],
    ['/a#frag', 'fragment'],
  ])('refuses %s (%s)', (input, problem) => {
    const result = normalizePath(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain(problem);
  });
});
