// Header-name patterns (exact, or a prefix ending in "*") and the built-in lists.
import { expect, test } from 'vitest';
import { CERTIFICATE_IDENTITY_HEADERS, IDENTITY_HEADERS, nameMatcher, SINGLE_FIELDS } from '../../../src/proxy/header-names.js';

test('exact names and prefixes, lower-case', () => {
  const match = nameMatcher(['x-a', 'X-B-*']);
  expect([match('x-a'), match('x-ab'), match('x-b-'), match('x-b-c'), match('x-b')]).toEqual([true, false, true, true, false]);
});

test('the remembered answers stay right past the memo bound', () => {
  const match = nameMatcher(['x-id-*']);
  for (let i = 0; i < 5000; i += 1) expect(match(`x-other-${i}`)).toBe(false);
  expect(match('x-id-user')).toBe(true);
  expect(match('x-other-1')).toBe(false);
});

test('every certificate-identity header is stripped inbound too; the lists are lower-case', () => {
  for (const name of CERTIFICATE_IDENTITY_HEADERS) expect(IDENTITY_HEADERS).toContain(name);
  for (const name of [...IDENTITY_HEADERS, ...SINGLE_FIELDS]) expect(name).toBe(name.toLowerCase());
});
