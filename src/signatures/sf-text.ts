// RFC 8941 §4.1 serialization of the few bare item types a verified signature's identifiers and
// parameters can hold (String, Integer, Boolean true), written straight from values already
// validated, without the structured-headers serializer's generic per-value dispatch, Map
// copies and regex checks. Each gives exactly the library's text for those values
// (test/unit/signatures/sf-text.test.ts compares them); anything else is not handled here.
import { serializeItem, type Item } from 'structured-headers';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** RFC 8941 key (the library's own rule). */
const KEY = /^[a-z*][*\-_.a-z0-9]*$/;
const QUOTE_OR_BACKSLASH = /["\\]/g;

/** An sf-string for printable ASCII text, or undefined for text an sf-string cannot hold. */
export function sfString(value: string): string | undefined {
  if (!PRINTABLE_ASCII.test(value)) return undefined;
  // Identifiers and parameters rarely hold either: then no replace (and no regex) at all.
  if (value.indexOf('"') === -1 && value.indexOf('\\') === -1) return `"${value}"`;
  return `"${value.replace(QUOTE_OR_BACKSLASH, '\\$&')}"`;
}

/**
 * A component identifier (an sf-string with String or `true` parameters) as the library
 * serializes it; other shapes, and text the library refuses, go to the library itself (which
 * throws for what it refuses, as before).
 */
export function componentItemText(item: Item): string {
  const [bare, params] = item;
  let text = typeof bare === 'string' ? sfString(bare) : undefined;
  if (text === undefined) return serializeItem(item);
  for (const [key, value] of params) {
    if (!KEY.test(key)) return serializeItem(item);
    if (value === true) {
      text += `;${key}`;
      continue;
    }
    const quoted = typeof value === 'string' ? sfString(value) : undefined;
    if (quoted === undefined) return serializeItem(item);
    text += `;${key}=${quoted}`;
  }
  return text;
}

/**
 * An inner list of already-serialized items with Integer or String parameters, e.g.
 * `("@method" "@target-uri");created=1700000000;keyid="k"`; undefined when a parameter is of
 * another type or cannot be serialized (the caller then asks the library).
 */
export function innerListText(itemTexts: readonly string[], params: ReadonlyArray<readonly [key: string, value: { readonly type: string; readonly value: unknown }]>): string | undefined {
  let text = `(${itemTexts.join(' ')})`;
  for (const [key, item] of params) {
    if (!KEY.test(key)) return undefined;
    let value: string | undefined;
    if (item.type === 'integer' && Number.isSafeInteger(item.value) && Math.abs(item.value as number) <= 999_999_999_999_999) value = String(item.value);
    else if (item.type === 'string' && typeof item.value === 'string') value = sfString(item.value);
    if (value === undefined) return undefined;
    text += `;${key}=${value}`;
  }
  return text;
}
