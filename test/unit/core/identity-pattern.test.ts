import { describe, expect, test } from 'vitest';
import { compileIdentityPattern, matchIdentity, validateIdentityPattern } from '../../../src/core/identity-pattern.js';
import type { PeerIdentity } from '../../../src/core/identity.js';
import { parseSpiffeId } from '../../../src/core/spiffe.js';

function spiffe(id: string): PeerIdentity {
  const parsed = parseSpiffeId(id);
  if (!parsed.ok) throw new Error(parsed.problem);
  return { kind: 'spiffe', value: id, spiffe: parsed.value };
}
const match = (pattern: string, peer: PeerIdentity) => matchIdentity(compileIdentityPattern(pattern), peer);

describe('identity patterns', () => {
  test('exact SPIFFE IDs', () => {
    expect(match('spiffe://example.org/ns/a/sa/api', spiffe('spiffe://example.org/ns/a/sa/api'))).toBe(true);
    expect(match('spiffe://example.org/ns/a/sa/api', spiffe('spiffe://example.org/ns/a/sa/api2'))).toBe(false);
    expect(match('spiffe://example.org/ns/a/sa/api', spiffe('spiffe://example.org/ns/a/sa/api/x'))).toBe(false);
    expect(match('spiffe://example.org/ns/a/sa/api', spiffe('spiffe://other.org/ns/a/sa/api'))).toBe(false);
  });

  test('* is exactly one segment; ** (last) is one or more', () => {
    expect(match('spiffe://example.org/ns/*/sa/api', spiffe('spiffe://example.org/ns/prod/sa/api'))).toBe(true);
    expect(match('spiffe://example.org/ns/*/sa/api', spiffe('spiffe://example.org/ns/prod/x/sa/api'))).toBe(false);
    expect(match('spiffe://example.org/ns/prod/**', spiffe('spiffe://example.org/ns/prod/sa/api'))).toBe(true);
    expect(match('spiffe://example.org/ns/prod/**', spiffe('spiffe://example.org/ns/prod'))).toBe(false);
    expect(match('spiffe://example.org/ns/prod/**', spiffe('spiffe://example.org/ns/production/sa/api'))).toBe(false);
  });

  test('the trust domain is exact, never a suffix', () => {
    expect(match('spiffe://example.org/**', spiffe('spiffe://evil-example.org/a'))).toBe(false);
    expect(match('spiffe://example.org/**', spiffe('spiffe://example.org.evil/a'))).toBe(false);
  });

  test('dns, cn and any', () => {
    expect(match('dns:api.example.org', { kind: 'dns', value: 'api.example.org' })).toBe(true);
    expect(match('dns:*.example.org', { kind: 'dns', value: 'api.example.org' })).toBe(true);
    expect(match('dns:*.example.org', { kind: 'dns', value: 'a.b.example.org' })).toBe(false);
    expect(match('dns:*.example.org', { kind: 'dns', value: 'example.org' })).toBe(false);
    expect(match('dns:*.example.org', { kind: 'dns', value: 'evilexample.org' })).toBe(false);
    expect(match('cn:legacy', { kind: 'cn', value: 'legacy' })).toBe(true);
    expect(match('cn:legacy', { kind: 'dns', value: 'legacy' })).toBe(false);
    expect(match('*', spiffe('spiffe://any.org/x'))).toBe(true);
  });

  test.each([
    ['spiffe://*.example.org/a', 'trust domain'],
    ['spiffe://example.org/a*', 'whole path segment'],
    ['spiffe://example.org/**/a', 'last segment'],
    ['spiffe://example.org/a/', 'must not end'],
    ['dns:API.example.org', 'DNS name'],
    ['dns:a.*.org', 'DNS name'],
    ['regex:.*', 'must be'],
    ['cn:', 'needs a name'],
  ])('refuses %s', (pattern, problem) => {
    expect(validateIdentityPattern(pattern)).toContain(problem);
  });
});
