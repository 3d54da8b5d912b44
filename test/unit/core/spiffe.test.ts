import { describe, expect, test } from 'vitest';
import { parseSpiffeId } from '../../../src/core/spiffe.js';

describe('parseSpiffeId', () => {
  test('well-formed IDs', () => {
    expect(parseSpiffeId('spiffe://example.org/ns/prod/sa/api')).toEqual({
      ok: true,
      value: { id: 'spiffe://example.org/ns/prod/sa/api', trustDomain: 'example.org', segments: ['ns', 'prod', 'sa', 'api'] },
    });
    expect(parseSpiffeId('spiffe://example.org')).toMatchObject({ ok: true, value: { segments: [] } });
    expect(parseSpiffeId('spiffe://a-b_c.d/x.y-z_W')).toMatchObject({ ok: true });
  });

  test.each([
    ['SPIFFE://example.org/a', 'scheme'],
    ['spiffe://Example.org/a', 'trust domain'],
    ['spiffe://example.org:8443/a', 'trust domain'],
    ['spiffe://user@example.org/a', 'trust domain'],
    ['spiffe:///a', 'trust domain is empty'],
    ['spiffe://example.org/a/', 'end with "/"'],
    ['spiffe://example.org/a//b', 'empty segments'],
    ['spiffe://example.org/a/../b', '".."'],
    ['spiffe://example.org/a/./b', '"."'],
    ['spiffe://example.org/a%2Fb', 'percent'],
    ['spiffe://example.org/a?x=1', 'query'],
    ['spiffe://example.org/a#f', 'fragment'],
    ['https://example.org/a', 'scheme'],
  ])('refuses %s', (id, problem) => {
    const result = parseSpiffeId(id);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain(problem);
  });

  test('refuses IDs over 2048 bytes', () => {
    expect(parseSpiffeId(`spiffe://example.org/${'a'.repeat(2100)}`).ok).toBe(false);
  });
});
