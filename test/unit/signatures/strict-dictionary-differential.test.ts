// The strict Dictionary parser against the structured-headers library over many generated
// fields, valid and not: the same accept/refuse, except that the strict parser also refuses a
// repeated key or parameter (which the library lets overwrite) and the Date and Display String
// types RFC 9651 added (RFC 9421 is built on RFC 8941, which has neither); and for what both
// accept, the same members with the same values, the strict parser keeping each value's type.
import { parseDictionary, Token, type BareItem, type Dictionary, type InnerList, type Item } from 'structured-headers';
import { expect, test } from 'vitest';
import { parseStrictDictionary, StrictParseError, type StrictBareItem, type StrictMember, type StrictParameters } from '../../../src/signatures/strict-dictionary.js';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const pick = <T>(next: () => number, values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;

const KEYS = ['a', 'sig1', 'created', 'keyid', 'x-y', 'a.b_c*', '*k', 'k9', 'A', '1a', 'a b', 'é', ''];
const BARE = ['1', '-42', '0', '007', '123456789012345', '1234567890123456', '1.5', '-0.001', '1.', '1.2345', '123456789012.1', '1234567890123.1', '"x"', '"a\\"b"', '"a\\\\b"', '"\\x"', '"é"', '"tab\there"', '""', '"unterminated', 'tok', 'a:b/c', 'T*!#$%&\'+-.^_`|~', ':AQI=:', '::', ':AB$:', ':AQI', '?0', '?1', '?2', '@1', '%"x"', '-', '-a'];

function parameters(next: () => number): string {
  let out = '';
  const count = Math.floor(next() * 3);
  for (let i = 0; i < count; i += 1) out += `;${next() < 0.2 ? ' ' : ''}${pick(next, KEYS)}${next() < 0.7 ? `=${pick(next, BARE)}` : ''}`;
  return out;
}

function member(next: () => number): string {
  const kind = next();
  if (kind < 0.15) return parameters(next); // a bare key: Boolean true
  if (kind < 0.55) {
    const items = Array.from({ length: Math.floor(next() * 4) }, () => `${pick(next, BARE)}${parameters(next)}`);
    return `=(${next() < 0.1 ? ' ' : ''}${items.join(next() < 0.1 ? '  ' : next() < 0.05 ? '' : ' ')}${next() < 0.1 ? ' ' : ''})${parameters(next)}`;
  }
  return `=${pick(next, BARE)}${parameters(next)}`;
}

function field(next: () => number): string {
  const count = 1 + Math.floor(next() * 3);
  const members = Array.from({ length: count }, () => `${pick(next, KEYS)}${member(next)}`);
  const separator = pick(next, [', ', ',', ' , ', ',\t', ' ,', ';', ' ']);
  return `${next() < 0.1 ? ' ' : ''}${members.join(separator)}${next() < 0.05 ? ',' : next() < 0.1 ? ' ' : ''}`;
}

/** The library's value for a strict bare item, to compare the two parses. */
function expected(item: StrictBareItem): unknown {
  switch (item.type) {
    case 'token':
      return { token: item.value };
    case 'bytes':
      return { bytes: Buffer.from(item.value).toString('base64') };
    default:
      return item.value;
  }
}

function actual(item: BareItem): unknown {
  if (item instanceof Token) return { token: item.toString() };
  if (item instanceof ArrayBuffer) return { bytes: Buffer.from(item).toString('base64') };
  return item;
}

const strictParams = (params: StrictParameters) => params.map(([key, value]) => [key, expected(value)]);
const libraryParams = (params: Map<string, BareItem>) => [...params].map(([key, value]) => [key, actual(value)]);

function strictShape(member: StrictMember): unknown {
  if (member.kind === 'inner-list') return { list: member.items.map((item) => [expected(item.value), strictParams(item.params)]), params: strictParams(member.params) };
  return { item: expected(member.value), params: strictParams(member.params) };
}

function libraryShape(member: Item | InnerList): unknown {
  if (Array.isArray(member[0])) return { list: (member as InnerList)[0].map((item) => [actual(item[0]), libraryParams(item[1])]), params: libraryParams(member[1]) };
  return { item: actual(member[0] as BareItem), params: libraryParams(member[1]) };
}

/** The generator's only RFC 9651 items are `@1` (a Date) and `%"x"` (a Display String). */
const usesRfc9651 = (text: string): boolean => text.includes('@') || text.includes('%"');

test('the strict parser accepts and refuses what structured-headers does (duplicates aside) and reads the same values', () => {
  const next = random(8941);
  const seen = { bothAccept: 0, bothRefuse: 0, duplicates: 0 };
  for (let i = 0; i < 20_000; i += 1) {
    const text = field(next);
    let library: Dictionary | undefined;
    try {
      library = parseDictionary(text);
    } catch {
      library = undefined;
    }
    let strict: Array<readonly [string, StrictMember]> | undefined;
    let problem: string | undefined;
    try {
      strict = parseStrictDictionary(text);
    } catch (error) {
      expect(error, text).toBeInstanceOf(StrictParseError);
      problem = (error as StrictParseError).problem;
    }
    if (library === undefined) {
      expect(strict, `strict accepted what the library refuses: ${text}`).toBeUndefined();
      seen.bothRefuse += 1;
    } else if (strict === undefined) {
      if (usesRfc9651(text)) continue;
      expect(problem, `strict refused what the library accepts: ${text}`).toBe('duplicate');
      seen.duplicates += 1;
    } else {
      expect(strict.map(([key, value]) => [key, strictShape(value)]), text).toEqual([...library].map(([key, value]) => [key, libraryShape(value)]));
      seen.bothAccept += 1;
    }
  }
  // The generator reaches all three outcomes often.
  expect(seen.bothAccept).toBeGreaterThan(1_000);
  expect(seen.bothRefuse).toBeGreaterThan(2_000);
  expect(seen.duplicates).toBeGreaterThan(20);
});
