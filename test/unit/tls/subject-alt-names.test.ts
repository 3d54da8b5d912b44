import { describe, expect, test } from 'vitest';
import { commonName, parseSubjectAltNames } from '../../../src/tls/subject-alt-names.js';

describe('parseSubjectAltNames', () => {
  test('plain entries', () => {
    expect(parseSubjectAltNames('URI:spiffe://a/b, DNS:localhost, IP Address:127.0.0.1')).toEqual({
      uris: ['spiffe://a/b'],
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
  });

  test('a quoted value with a comma cannot smuggle a second entry', () => {
    const parsed = parseSubjectAltNames('URI:"spiffe://a/b, URI:spiffe://a/admin", DNS:x');
    expect(parsed.uris).toEqual(['spiffe://a/b, URI:spiffe://a/admin']);
    expect(parsed.dnsNames).toEqual(['x']);
  });

  test('escaped quotes inside a quoted value', () => {
    expect(parseSubjectAltNames('URI:"a\\"b,c"').uris).toEqual(['a"b,c']);
  });

  test('undefined and empty', () => {
    expect(parseSubjectAltNames(undefined).uris).toEqual([]);
    expect(parseSubjectAltNames('').uris).toEqual([]);
  });

  test('commonName', () => {
    expect(commonName('C=US\nCN=api\nO=x')).toBe('api');
    expect(commonName('O=x')).toBeUndefined();
  });
});
