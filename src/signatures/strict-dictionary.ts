// A strict RFC 8941 Dictionary parser that keeps each bare item's type.
//
// The structured-headers library parses `created=1.0` (a Decimal) into the same JavaScript
// number as `created=1` (an Integer), and lets a repeated key or parameter silently overwrite
// the first, as RFC 8941 §4.2 allows. A verifier must not be that lenient: RFC 9421 requires
// Integers for `created`/`expires`, and two members or parameters with the same name mean two
// readers of one message can disagree about what was signed. This parser follows RFC 8941 §4.2
// step by step, records the type of every bare item, and refuses duplicates.
import { Token, type BareItem, type InnerList, type Item, type Parameters } from 'structured-headers';

export type StrictBareItem =
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'decimal'; readonly value: number; readonly text: string }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'token'; readonly value: string }
  | { readonly type: 'bytes'; readonly value: Buffer }
  | { readonly type: 'boolean'; readonly value: boolean };

export type StrictParameters = ReadonlyArray<readonly [key: string, value: StrictBareItem]>;

export interface StrictItem {
  readonly kind: 'item';
  readonly value: StrictBareItem;
  readonly params: StrictParameters;
}

export interface StrictInnerList {
  readonly kind: 'inner-list';
  readonly items: readonly StrictItem[];
  readonly params: StrictParameters;
}

export type StrictMember = StrictItem | StrictInnerList;

export class StrictParseError extends Error {
  constructor(
    message: string,
    readonly position: number,
    /** duplicate: a repeated key or parameter (two readers may pick different ones); syntax: anything else. */
    readonly problem: 'duplicate' | 'syntax' = 'syntax',
  ) {
    super(`${message} (at character ${position})`);
    this.name = 'StrictParseError';
  }
}

// Character classes as bits in a table of ASCII codes: a lookup per character, where a regex
// test of a one-character string was most of the parser's time.
const KEY_FIRST = 1;
const KEY_REST = 2;
const TOKEN_FIRST = 4;
const TOKEN_REST = 8;
const CLASSES = new Uint8Array(128);
function mark(chars: string, bit: number): void {
  for (let i = 0; i < chars.length; i++) (CLASSES[chars.charCodeAt(i)] as number) |= bit;
}
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
mark(`${LOWER}*`, KEY_FIRST);
mark(`${LOWER}${DIGITS}_-.*`, KEY_REST);
mark(`${LOWER}${UPPER}*`, TOKEN_FIRST);
mark(`!#$%&'*+-.^_\`|~${DIGITS}${LOWER}${UPPER}:/`, TOKEN_REST);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

class Parser {
  private pos = 0;
  constructor(private readonly input: string) {}

  private fail(message: string, problem: 'duplicate' | 'syntax' = 'syntax'): never {
    throw new StrictParseError(message, this.pos, problem);
  }

  private peek(): string {
    return this.input[this.pos] ?? '';
  }

  /** Whether the character at the position is in the class (false at the end). */
  private at(bit: number): boolean {
    const code = this.input.charCodeAt(this.pos);
    return code < 128 && ((CLASSES[code] as number) & bit) !== 0;
  }

  private skipSp(): void {
    while (this.input[this.pos] === ' ') this.pos += 1;
  }

  private skipOws(): void {
    while (this.input[this.pos] === ' ' || this.input[this.pos] === '\t') this.pos += 1;
  }

  dictionary(): Array<readonly [string, StrictMember]> {
    const out: Array<readonly [string, StrictMember]> = [];
    const seen = new Set<string>();
    this.skipSp();
    if (this.pos === this.input.length) return out;
    for (;;) {
      const key = this.key();
      if (seen.has(key)) this.fail(`duplicate dictionary key "${key}"`, 'duplicate');
      seen.add(key);
      let member: StrictMember;
      if (this.peek() === '=') {
        this.pos += 1;
        member = this.peek() === '(' ? this.innerList() : this.item();
      } else {
        member = { kind: 'item', value: { type: 'boolean', value: true }, params: this.parameters() };
      }
      out.push([key, member]);
      this.skipOws();
      if (this.pos === this.input.length) return out;
      if (this.peek() !== ',') this.fail('expected "," between dictionary members');
      this.pos += 1;
      this.skipOws();
      if (this.pos === this.input.length) this.fail('trailing "," in a dictionary');
    }
  }

  private innerList(): StrictInnerList {
    this.pos += 1; // "("
    const items: StrictItem[] = [];
    for (;;) {
      this.skipSp();
      if (this.peek() === ')') {
        this.pos += 1;
        return { kind: 'inner-list', items, params: this.parameters() };
      }
      if (this.pos >= this.input.length) this.fail('unterminated inner list');
      items.push(this.item());
      const next = this.peek();
      if (next !== ' ' && next !== ')') this.fail('expected " " or ")" in an inner list');
    }
  }

  private item(): StrictItem {
    const value = this.bareItem();
    return { kind: 'item', value, params: this.parameters() };
  }

  private parameters(): StrictParameters {
    const out: Array<readonly [string, StrictBareItem]> = [];
    const seen = new Set<string>();
    while (this.peek() === ';') {
      this.pos += 1;
      this.skipSp();
      const key = this.key();
      if (seen.has(key)) this.fail(`duplicate parameter "${key}"`, 'duplicate');
      seen.add(key);
      let value: StrictBareItem = { type: 'boolean', value: true };
      if (this.peek() === '=') {
        this.pos += 1;
        value = this.bareItem();
      }
      out.push([key, value]);
    }
    return out;
  }

  private key(): string {
    if (!this.at(KEY_FIRST)) this.fail('a key must start with a lower-case letter or "*"');
    const start = this.pos;
    this.pos += 1;
    while (this.at(KEY_REST)) this.pos += 1;
    return this.input.slice(start, this.pos);
  }

  private bareItem(): StrictBareItem {
    const char = this.peek();
    if (char === '-' || (char >= '0' && char <= '9')) return this.number();
    if (char === '"') return this.string();
    if (char === ':') return this.bytes();
    if (char === '?') return this.boolean();
    if (this.at(TOKEN_FIRST)) return this.token();
    return this.fail(char === '' ? 'missing value' : `"${char}" cannot start an RFC 8941 bare item`);
  }

  private number(): StrictBareItem {
    const start = this.pos;
    if (this.peek() === '-') this.pos += 1;
    const digitsStart = this.pos;
    while (this.peek() >= '0' && this.peek() <= '9') this.pos += 1;
    const intDigits = this.pos - digitsStart;
    if (intDigits === 0) this.fail('a number needs a digit');
    if (this.peek() !== '.') {
      if (intDigits > 15) this.fail('an Integer has at most 15 digits');
      const text = this.input.slice(start, this.pos);
      return { type: 'integer', value: Number(text) };
    }
    if (intDigits > 12) this.fail('a Decimal has at most 12 integer digits');
    this.pos += 1;
    const fracStart = this.pos;
    while (this.peek() >= '0' && this.peek() <= '9') this.pos += 1;
    const fracDigits = this.pos - fracStart;
    if (fracDigits === 0) this.fail('a Decimal cannot end with "."');
    if (fracDigits > 3) this.fail('a Decimal has at most 3 fractional digits');
    const text = this.input.slice(start, this.pos);
    return { type: 'decimal', value: Number(text), text };
  }

  private string(): StrictBareItem {
    const input = this.input;
    this.pos += 1;
    // Runs of plain characters are sliced, not appended one by one.
    let value = '';
    let run = this.pos;
    for (;;) {
      if (this.pos >= input.length) this.fail('unterminated string');
      const code = input.charCodeAt(this.pos);
      this.pos += 1;
      if (code === 0x5c) {
        const next = input[this.pos];
        if (next !== '"' && next !== '\\') this.fail('a string may only escape " and \\');
        value += input.slice(run, this.pos - 1) + next;
        this.pos += 1;
        run = this.pos;
      } else if (code === 0x22) {
        return { type: 'string', value: value + input.slice(run, this.pos - 1) };
      } else if (code < 0x20 || code > 0x7e) {
        this.fail('a string holds printable ASCII only');
      }
    }
  }

  private token(): StrictBareItem {
    const start = this.pos;
    this.pos += 1;
    while (this.at(TOKEN_REST)) this.pos += 1;
    return { type: 'token', value: this.input.slice(start, this.pos) };
  }

  private bytes(): StrictBareItem {
    this.pos += 1;
    const end = this.input.indexOf(':', this.pos);
    if (end === -1) this.fail('unterminated byte sequence');
    const text = this.input.slice(this.pos, end);
    if (!BASE64.test(text)) this.fail('a byte sequence holds base64 only');
    this.pos = end + 1;
    return { type: 'bytes', value: Buffer.from(text, 'base64') };
  }

  private boolean(): StrictBareItem {
    this.pos += 1;
    const char = this.peek();
    if (char !== '0' && char !== '1') this.fail('a Boolean is ?0 or ?1');
    this.pos += 1;
    return { type: 'boolean', value: char === '1' };
  }
}

/** Parse an RFC 8941 Dictionary; throws StrictParseError on anything RFC 8941 refuses, and on duplicate keys or parameters. */
export function parseStrictDictionary(text: string): Array<readonly [string, StrictMember]> {
  return new Parser(text).dictionary();
}

function toBareItem(item: StrictBareItem): BareItem {
  switch (item.type) {
    case 'token':
      return new Token(item.value);
    case 'bytes': {
      const copy = new Uint8Array(item.value.byteLength);
      copy.set(item.value);
      return copy.buffer;
    }
    default:
      return item.value;
  }
}

export function toLibraryParameters(params: StrictParameters): Parameters {
  return new Map(params.map(([key, value]) => [key, toBareItem(value)]));
}

/** The same inner list in the structured-headers library's types (for serializing and component parsing). */
export function toLibraryInnerList(list: StrictInnerList): InnerList {
  const items: Item[] = list.items.map((item) => [toBareItem(item.value), toLibraryParameters(item.params)]);
  return [items, toLibraryParameters(list.params)];
}
