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
    ['/admin;x=y', 'path parameter'],
    ['/%61dmin;', 'path parameter'],
    ['/public/..;/admin', 'path parameter'],
    ['/admin%3Bx=y', 'encoded ";"'],
    ['/admin%3b', 'encoded ";"'],
    ['/admin.', 'ends in "."'],
    ['/admin./x', 'ends in "."'],
    ['/admin%2e', 'ends in "."'],
    ['/admin%20', 'encoded space'],
    ['/admin%0a', 'control character'],
    ['/admin%09', 'control character'],
    ['/%252e%252e/admin', 'double percent-encoded'],
    ['/%c0%ae%c0%ae/admin', 'not valid UTF-8'],
    ['/%e0%80%ae/admin', 'not valid UTF-8'],
    ['/%ed%a0%80', 'not valid UTF-8'],
    ['/%c3', 'not valid UTF-8'],
    ['/%EF%BD%81dmin', 'NFKC'],
    ['/e%CC%81', 'NFKC'],
    ['/\u00e9', 'printable ASCII'],
    ['/a\u0001b', 'printable ASCII'],
  ])('refuses %s (%s)', (input, problem) => {
    const result = normalizePath(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain(problem);
  });

  test('valid percent-encoded UTF-8 in NFC passes, hex upper-cased', () => {
    expect(normalizePath('/caf%c3%a9')).toMatchObject({ ok: true, path: '/caf%C3%A9', segments: ['caf%C3%A9'] });
  });

  test.each([
    ['/admin;x=y', '/admin', ['admin']],
    ['/admin;', '/admin', ['admin']],
    ['/%61dmin;jsessionid=1/x', '/admin/x', ['admin', 'x']],
    ['/public/..;/admin', '/admin', ['admin']],
    ['/;x=1/admin', '/admin', ['admin']],
    ['/a;b/c;d/', '/a/c/', ['a', 'c']],
  ])('parameters: strip: %s → %s', (input, path, segments) => {
    const result = normalizePath(input, 'strip');
    expect(result).toMatchObject({ ok: true, path, segments, changed: true });
  });

  test('parameters: strip still refuses an encoded ";"', () => {
    expect(normalizePath('/admin%3Bx=y', 'strip').ok).toBe(false);
  });
});
