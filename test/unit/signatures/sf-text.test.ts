// sf-text.ts serializes component identifiers and the @signature-params inner list without the
// structured-headers serializer; its text must be the library's, exactly, for every input it
// handles, and it must hand everything else to the library (which refuses what it refuses).
// Differential: many random items, parameters and whole Signature-Input fields, both ways.
import { serializeInnerList, serializeItem, Token, type BareItem, type Item, type Parameters } from 'structured-headers';
import { expect, test } from 'vitest';
import { parseSignatureFields } from '../../../src/signatures/fields.js';
import { componentItemText, innerListText, sfString } from '../../../src/signatures/sf-text.js';

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const CHARS = ['a', 'z', 'A', '0', '9', ' ', '"', '\\', '@', '-', '_', '.', '*', ';', '=', '(', ')', ',', '~', '\t', '\n', '\u007f', 'é', '中', '\ud800', ':', '/', '?'];

function text(next: () => number, max = 10): string {
  let out = '';
  const length = Math.floor(next() * max);
  for (let i = 0; i < length; i += 1) out += next() < 0.5 ? 'abcxyz'.charAt(Math.floor(next() * 6)) : CHARS[Math.floor(next() * CHARS.length)];
  return out;
}

function key(next: () => number): string {
  const pick = next();
  if (pick < 0.6) return ['key', 'name', 'sf', 'bs', 'req', 'tr', 'created', 'keyid', 'nonce', 'a*b', 'x-y.z_1'][Math.floor(next() * 11)] as string;
  if (pick < 0.8) return `k${Math.floor(next() * 100)}`;
  return text(next, 5); // often not a valid key
}

function bareItem(next: () => number): BareItem {
  const pick = next();
  if (pick < 0.45) return text(next);
  if (pick < 0.6) return true;
  if (pick < 0.65) return false;
  if (pick < 0.75) return Math.floor((next() - 0.3) * 2e6);
  if (pick < 0.8) return Math.floor(next() * 1e4) / 8;
  if (pick < 0.85) return 1e16;
  if (pick < 0.92) return new Token(`t${Math.floor(next() * 99)}`);
  return new Uint8Array([1, 2, 3]).buffer;
}

function params(next: () => number): Parameters {
  const out: Parameters = new Map();
  const count = Math.floor(next() * 4);
  for (let i = 0; i < count; i += 1) out.set(key(next), bareItem(next));
  return out;
}

const outcome = (fn: () => string): { text: string } | { threw: true } => {
  try {
    return { text: fn() };
  } catch {
    return { threw: true };
  }
};

test('componentItemText is serializeItem for every item: same text, or both refuse', () => {
  const next = random(21);
  for (let i = 0; i < 20_000; i += 1) {
    const item: Item = [next() < 0.85 ? text(next) : bareItem(next), params(next)];
    expect(outcome(() => componentItemText(item))).toEqual(outcome(() => serializeItem(item)));
  }
});

test('sfString is the library string serialization for printable ASCII and undefined beyond it', () => {
  const next = random(22);
  for (let i = 0; i < 20_000; i += 1) {
    const value = text(next, 20);
    const ours = sfString(value);
    const theirs = outcome(() => serializeItem([value, new Map()]));
    if (ours === undefined) expect(theirs).toEqual({ threw: true });
    else expect(theirs).toEqual({ text: ours });
  }
});

test('innerListText is serializeInnerList whenever it gives a text', () => {
  const next = random(23);
  let handled = 0;
  for (let i = 0; i < 20_000; i += 1) {
    const items: Item[] = Array.from({ length: Math.floor(next() * 4) }, () => [text(next), params(next)] as Item);
    const list = params(next);
    const typed = [...list].map(([name, value]) => [name, { type: typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'decimal') : typeof value === 'string' ? 'string' : 'other', value }] as const);
    const itemTexts = outcome(() => JSON.stringify(items.map((item) => serializeItem(item))));
    if ('threw' in itemTexts) continue;
    const ours = innerListText(JSON.parse(itemTexts.text) as string[], typed);
    if (ours === undefined) continue;
    handled += 1;
    expect(ours).toBe(serializeInnerList([items, list]));
  }
  expect(handled).toBeGreaterThan(1_000);
});

test('parseSignatureFields: the @signature-params value and every identifier text are the library serialization of what was parsed', () => {
  const next = random(24);
  const identifiers = ['"@method"', '"@target-uri"', '"@authority"', '"@path"', '"@query"', '"@query-param";name="a"', '"content-digest"', '"x-a";key="k"', '"x-b";sf', '"x-c";bs;req', '"x-d";tr', '"x\\"q"', '"@status"'];
  const paramPieces = ['created=1700000000', 'created=0001', 'expires=1700000300', 'keyid="k1"', 'keyid="a\\"b\\\\c"', 'nonce="n o"', 'alg="ed25519"', 'tag="t"', 'created=1.5', 'keyid=tok', 'unknown=1', 'created=-1'];
  let accepted = 0;
  for (let i = 0; i < 5_000; i += 1) {
    const chosen = identifiers.filter(() => next() < 0.3);
    const list = `(${chosen.join(next() < 0.1 ? '  ' : ' ')})${paramPieces
      .filter(() => next() < 0.3)
      .map((piece) => `;${piece}`)
      .join('')}`;
    const input = `sig${i % 3}=${list}`;
    let parsed;
    try {
      parsed = parseSignatureFields([
        ['Signature-Input', input],
        ['Signature', `sig${i % 3}=:AAAA:`],
      ]);
    } catch {
      continue;
    }
    for (const signature of parsed.values()) {
      accepted += 1;
      expect(signature.paramsValue).toBe(serializeInnerList(signature.input));
      signature.components.forEach((component, index) => expect(component.text).toBe(serializeItem(signature.input[0][index] as Item)));
    }
  }
  expect(accepted).toBeGreaterThan(500);
});
