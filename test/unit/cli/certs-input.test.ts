// Every input `certs init` takes, checked before anything is written: RFC 1123 host names (and
// a leading wildcard label), literal IPv4/IPv6 addresses, workload SPIFFE IDs, durations, key types.
import { expect, test } from 'vitest';
import { checkCertsInitInput, dnsNameProblem, ipAddressProblem } from '../../../src/cli/certs-input.js';

test.each(['localhost', 'api.example.org', 'API-1.Example.org', 'a', '1.example', '*.svc.example.org', `${'a'.repeat(63)}.example`, 'xn--bcher-kva.example'])('DNS %s is accepted', (name) => {
  expect(dnsNameProblem(name)).toBeUndefined();
});

test.each([
  ['', 'empty'],
  ['bad name', 'may hold only'],
  ['under_score.example', 'may hold only'],
  ['-leading.example', 'may hold only'],
  ['trailing-.example', 'may hold only'],
  ['a..example', 'empty label'],
  ['.example', 'empty label'],
  ['example.org.', 'must not end'],
  [`${'a'.repeat(64)}.example`, 'longer than 63'],
  [`${'a.'.repeat(127)}ab`, 'longer than 253'],
  ['a.*.example', 'may hold only'],
  ['*.org', 'wildcard'],
  ['**.example.org', 'may hold only'],
  ['*a.example.org', 'may hold only'],
  ['127.0.0.1', 'IP address'],
  ['::1', 'IP address'],
  ['exa\u00e9mple.org', 'may hold only'],
  ['evil.example\nDNS:other', 'may hold only'],
  ['evil.example,DNS:other', 'may hold only'],
])('DNS %j is refused (%s)', (name, problem) => {
  expect(dnsNameProblem(name)).toContain(problem);
});

test.each(['127.0.0.1', '10.0.0.255', '::1', '2001:db8::1', '::ffff:192.0.2.1'])('IP %s is accepted', (address) => {
  expect(ipAddressProblem(address)).toBeUndefined();
});

test.each(['not-an-ip', '', '256.1.1.1', '1.2.3', '127.0.0.1/8', '01.2.3.4', 'localhost', '2001:db8::1::2', 'fe80::1%eth0', ' 127.0.0.1'])('IP %j is refused', (address) => {
  expect(ipAddressProblem(address)).toBeDefined();
});

test.each([
  [['spiffe://example.org'], 'needs a path'],
  [['spiffe://example.org/'], 'not a valid SPIFFE ID'],
  [['spiffe://Example.org/ns/a'], 'not a valid SPIFFE ID'],
  [['spiffe://example.org/ns/a/../b'], 'not a valid SPIFFE ID'],
  [['https://example.org/ns/a'], 'not a valid SPIFFE ID'],
  [['a b=spiffe://example.org/ns/a'], 'file name'],
  [['x=spiffe://example.org/ns/a', 'x=spiffe://example.org/ns/b'], 'would be written as x.pem'],
  [['spiffe://example.org/ns/a/sa/api', 'spiffe://example.org/ns/b/sa/api'], 'would be written as api.pem'],
])('identities %j are refused (%s)', (identity, problem) => {
  const result = checkCertsInitInput({ identity });
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.problems.join('\n')).toContain(problem);
});

test.each([
  [{ validity: '0d' }, '--validity'],
  [{ validity: '30 days' }, '--validity'],
  [{ validity: '1y' }, '--validity'],
  [{ validity: '99999999d' }, 'year 9999'],
  [{ caValidity: '-1d' }, '--ca-validity'],
  [{ keyType: 'dsa-1024' }, '--key-type'],
  [{ keyType: 'EC-P256' }, '--key-type'],
])('%j is refused', (raw, problem) => {
  const result = checkCertsInitInput({ identity: ['spiffe://example.org/ns/a'], ...raw });
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.problems.join('\n')).toContain(problem);
});

test('every problem is reported, not only the first', () => {
  const result = checkCertsInitInput({ identity: ['spiffe://example.org'], dns: ['bad name', 'ok.example', 'x_y'], ip: ['nope', '::1'], validity: 'soon', keyType: 'x' });
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.problems).toHaveLength(6);
});

test('good input comes back with the defaults filled in', () => {
  const result = checkCertsInitInput({ identity: ['web=spiffe://example.org/ns/a/sa/web'], dns: ['localhost'], ip: ['127.0.0.1'] });
  expect(result).toEqual({ ok: true, value: { identities: [{ name: 'web', id: 'spiffe://example.org/ns/a/sa/web' }], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], keyType: 'ec-p256', validityMs: 30 * 86_400_000, caValidityMs: 365 * 86_400_000 } });
});
