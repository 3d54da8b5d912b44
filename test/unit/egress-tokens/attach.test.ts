import { describe, expect, test } from 'vitest';
import { canRetry, isInvalidTokenAnswer, withBearer } from '../../../src/egress-tokens/attach.js';

describe('egress token helpers', () => {
  test('withBearer replaces every Authorization the app sent', () => {
    expect(withBearer(['Authorization', 'Bearer app', 'x-a', '1', 'authorization', 'Basic b'], 'T')).toEqual(['x-a', '1', 'authorization', 'Bearer T']);
  });

  test('only a 401 with a Bearer invalid_token challenge asks for a new token', () => {
    expect(isInvalidTokenAnswer(401, { 'www-authenticate': 'Bearer error="invalid_token"' })).toBe(true);
    expect(isInvalidTokenAnswer(401, { 'www-authenticate': 'Bearer realm="x", error="invalid_token", error_description="expired"' })).toBe(true);
    expect(isInvalidTokenAnswer(401, { 'www-authenticate': ['Basic realm="x"', 'Bearer error=invalid_token'] })).toBe(true);
    expect(isInvalidTokenAnswer(401, { 'www-authenticate': 'Bearer error="insufficient_scope"' })).toBe(false);
    expect(isInvalidTokenAnswer(401, { 'www-authenticate': 'Bearer' })).toBe(false);
    expect(isInvalidTokenAnswer(401, {})).toBe(false);
    expect(isInvalidTokenAnswer(403, { 'www-authenticate': 'Bearer error="invalid_token"' })).toBe(false);
  });

  test('a request is retried only while the whole of it is in hand', () => {
    expect(canRetry('GET', null)).toBe(true);
    expect(canRetry('DELETE', null)).toBe(true);
    expect(canRetry('POST', null)).toBe(false);
    expect(canRetry('POST', Buffer.from('x'))).toBe(true);
    expect(canRetry('PUT', {} as never)).toBe(false);
  });
});
