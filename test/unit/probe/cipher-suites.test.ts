// The cipher classification names the weaknesses of well-known suites the way RFC 9325 and the
// Mozilla guidelines do, and the catalogue is consistent.
import { expect, test } from 'vitest';
import { TLS12_SUITES, TLS13_SUITES, locallyOfferable, suiteByName, weaknessesOf } from '../../../src/probe/cipher-suites.js';

test.each([
  ['ECDHE-RSA-AES128-GCM-SHA256', []],
  ['ECDHE-ECDSA-CHACHA20-POLY1305', []],
  ['DHE-RSA-AES256-GCM-SHA384', []],
  ['ECDHE-RSA-AES128-SHA', ['cipher_cbc']],
  ['AES128-SHA', ['cipher_static_rsa', 'cipher_cbc']],
  ['AES128-GCM-SHA256', ['cipher_static_rsa']],
  ['NULL-SHA', ['cipher_null', 'cipher_static_rsa']],
  ['ADH-AES128-SHA', ['cipher_anonymous', 'cipher_cbc']],
  ['AECDH-NULL-SHA', ['cipher_null', 'cipher_anonymous']],
  ['DES-CBC3-SHA', ['cipher_3des', 'cipher_static_rsa', 'cipher_cbc']],
  ['RC4-SHA', ['cipher_rc4', 'cipher_static_rsa']],
  ['DES-CBC-SHA', ['cipher_des', 'cipher_static_rsa', 'cipher_cbc']],
  ['EXP-RC4-MD5', ['cipher_export', 'cipher_rc4', 'cipher_static_rsa']],
])('%s: %j', (name, weaknesses) => {
  const suite = suiteByName(name);
  expect(suite, name).toBeDefined();
  expect(weaknessesOf(suite!).sort()).toEqual([...weaknesses].sort());
});

test('codes and names are unique; TLS 1.3 suites are all AEAD', () => {
  const all = [...TLS12_SUITES, ...TLS13_SUITES];
  expect(new Set(all.map((suite) => suite.code)).size).toBe(all.length);
  expect(new Set(all.map((suite) => suite.openssl)).size).toBe(all.length);
  for (const suite of TLS13_SUITES) expect(weaknessesOf(suite)).toEqual([]);
  expect(suiteByName('ECDHE-RSA-AES128-GCM-SHA256')?.code).toBe(0xc02f);
});

test('this OpenSSL can offer the modern suites; the probe knows which legacy ones it cannot', () => {
  expect(locallyOfferable(suiteByName('ECDHE-RSA-AES128-GCM-SHA256')!)).toBe(true);
  expect(locallyOfferable(suiteByName('AES128-SHA')!)).toBe(true);
  // Whatever this build lacks is probed with a raw ClientHello instead; never silently dropped.
  expect(TLS12_SUITES.filter((suite) => !locallyOfferable(suite)).every((suite) => suite.code > 0)).toBe(true);
});
