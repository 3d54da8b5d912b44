// A value of the wrong type is reported as such, not as missing; a missing key is still "is required".
import { expect, test } from 'vitest';
import { loadConfigObject } from '../../../src/config/load.js';

const errors = (listener: Record<string, unknown>) => {
  const result = loadConfigObject({ inbound: [{ name: 'app', tls: { cert: 'c', key: 'k', clientCa: 'ca' }, upstream: { url: 'http://127.0.0.1:1' }, routes: [], ...listener }] }, '/nonexistent');
  return result.ok ? [] : result.errors;
};

test('a string where a number belongs names the type, not a missing key', () => {
  const found = errors({ port: 'eighty' });
  expect(found.some((error) => error.startsWith('inbound[0].port: ') && !error.endsWith('is required'))).toBe(true);
});

test('a missing key is still "is required"', () => {
  expect(errors({})).toContain('inbound[0].port: is required');
});
