// formatXfcc: Envoy-style x-forwarded-client-cert. Values holding , ; = " or \ are quoted with
// inner quotes and backslashes escaped, control characters are dropped, and the result is
// always a value undici will send (ASCII only), whatever the certificate holds.
import { describe, expect, test } from 'vitest';
import { formatXfcc } from '../../../src/proxy/xfcc.js';
import type { PeerInfo } from '../../../src/tls/peer-identity.js';

const HASH = 'ab'.repeat(32);

function peer(overrides: { subject?: string; uris?: string[]; dnsNames?: string[] } = {}): PeerInfo {
  return {
    identity: { kind: 'dns', value: 'unused' },
    subject: overrides.subject ?? 'CN=frontend',
    sans: { uris: overrides.uris ?? ['spiffe://example.org/ns/app/sa/frontend'], dnsNames: overrides.dnsNames ?? [], ipAddresses: [] },
    sha256: HASH,
    validTo: new Date('2030-01-01T00:00:00Z'),
    serialNumber: '01',
  };
}

/** A minimal XFCC element parser (Envoy's grammar): key=value pairs split on unquoted `;`. */
function parse(element: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  while (i < element.length) {
    const eq = element.indexOf('=', i);
    const key = element.slice(i, eq);
    let value = '';
    i = eq + 1;
    if (element[i] === '"') {
      i += 1;
      while (element[i] !== '"') {
        if (i >= element.length) throw new Error(`unterminated quote in ${element}`);
        if (element[i] === '\\') i += 1;
        value += element[i];
        i += 1;
      }
      i += 1;
    } else {
      while (i < element.length && element[i] !== ';') value += element[i++];
    }
    pairs.push([key, value]);
    if (i < element.length) {
      if (element[i] !== ';') throw new Error(`expected ";" at ${i} in ${element}`);
      i += 1;
    }
  }
  return pairs;
}

describe('formatXfcc', () => {
  test('By, Hash, Subject, URI and DNS in Envoy order; plain URI and DNS values are not quoted', () => {
    const xfcc = formatXfcc(peer({ dnsNames: ['a.example', 'b.example'] }), 'spiffe://example.org/ns/app/sa/server');
    expect(xfcc).toBe(
      `By=spiffe://example.org/ns/app/sa/server;Hash=${HASH};Subject="CN=frontend";URI=spiffe://example.org/ns/app/sa/frontend;DNS=a.example;DNS=b.example`,
    );
  });

  test('without a By, a URI or DNS names, those keys are left out', () => {
    expect(formatXfcc(peer({ uris: [], dnsNames: [] }), undefined)).toBe(`Hash=${HASH};Subject="CN=frontend"`);
  });

  test('only the first URI SAN is named', () => {
    const xfcc = formatXfcc(peer({ uris: ['spiffe://example.org/a', 'spiffe://example.org/b'] }), undefined);
    expect(parse(xfcc).filter(([key]) => key === 'URI')).toEqual([['URI', 'spiffe://example.org/a']]);
  });

  test('a multi-line subject becomes RFC 2253 order, most specific first', () => {
    const xfcc = formatXfcc(peer({ subject: 'C=US\nO=Acme\nCN=frontend' }), undefined);
    expect(xfcc).toContain('Subject="CN=frontend,O=Acme,C=US"');
  });

  test.each([
    ['a comma', 'spiffe://example.org/a,b', '"spiffe://example.org/a,b"'],
    ['a semicolon', 'spiffe://example.org/a;URI=spiffe://evil', '"spiffe://example.org/a;URI=spiffe://evil"'],
    ['an equals sign', 'spiffe://example.org/a=b', '"spiffe://example.org/a=b"'],
    ['a double quote', 'spiffe://example.org/a"b', '"spiffe://example.org/a\\"b"'],
    ['a backslash', 'spiffe://example.org/a\\b', '"spiffe://example.org/a\\\\b"'],
    ['a quote and a backslash together', 'x\\";URI=y', '"x\\\\\\";URI=y"'],
  ])('a value with %s is quoted and escaped', (_name, uri, expected) => {
    const xfcc = formatXfcc(peer({ uris: [uri] }), undefined);
    expect(xfcc).toContain(`;URI=${expected}`);
    // Whatever the SAN holds, a parser reads back exactly one URI with exactly that value.
    expect(parse(xfcc).filter(([key]) => key === 'URI')).toEqual([['URI', uri]]);
  });

  test('a crafted DNS name cannot add a key', () => {
    const xfcc = formatXfcc(peer({ uris: [], dnsNames: ['a.example";By=spiffe://evil;x="'] }), undefined);
    const pairs = parse(xfcc);
    expect(pairs.map(([key]) => key)).toEqual(['Hash', 'Subject', 'DNS']);
    expect(pairs[2]).toEqual(['DNS', 'a.example";By=spiffe://evil;x="']);
  });

  test.each([
    ['NUL', 'a\x00b'],
    ['CR LF', 'a\r\nX-Injected: 1\r\nb'],
    ['tab', 'a\tb'],
    ['DEL', 'a\x7fb'],
    ['escape', 'a\x1bb'],
  ])('%s is dropped', (_name, value) => {
    const xfcc = formatXfcc(peer({ uris: [`spiffe://example.org/${value}`], dnsNames: [value] }), undefined);
    expect(xfcc).not.toMatch(/[\x00-\x1f\x7f]/);
    const expected = value.replace(/[\x00-\x1f\x7f]/g, '');
    expect(parse(xfcc).filter(([key]) => key === 'URI' || key === 'DNS')).toEqual([
      ['URI', `spiffe://example.org/${expected}`],
      ['DNS', expected],
    ]);
  });

  test.each([
    ['CJK characters', 'CN=日本', 'CN=\\E6\\97\\A5\\E6\\9C\\AC'],
    ['a Latin-1 letter', 'CN=Müller', 'CN=M\\C3\\BCller'],
    ['an emoji', 'O=🔒', 'O=\\F0\\9F\\94\\92'],
  ])('a subject with %s is escaped to ASCII (RFC 4514 \\XX of its UTF-8)', (_name, subject, escaped) => {
    const xfcc = formatXfcc(peer({ subject }), 'spiffe://example.org/ns/app/sa/server');
    // undici refuses header values outside \t, SP..~ and \x80-\xff; raw Latin-1 bytes would
    // also reach the app as mojibake. ASCII only.
    expect(xfcc).toMatch(/^[\x20-\x7e]*$/);
    expect(parse(xfcc)).toContainEqual(['Subject', escaped]);
    expect(parse(xfcc)).toContainEqual(['URI', 'spiffe://example.org/ns/app/sa/frontend']);
  });
});
