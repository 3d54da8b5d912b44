// The strict RFC 8941 Dictionary parser: types kept (Integer vs Decimal, String vs Token),
// duplicates refused, RFC 8941's own limits enforced; and the signature fields built on it.
import { describe, expect, test } from 'vitest';
import { parseStrictDictionary, StrictParseError } from '../../../src/signatures/strict-dictionary.js';
import { parseSignatureFields } from '../../../src/signatures/fields.js';
import { SignatureError } from '../../../src/signatures/errors.js';

describe('parseStrictDictionary', () => {
  test('keeps each bare item’s type', () => {
    const [[label, member]] = parseStrictDictionary('sig1=("@method" "@path";req);created=1;n=1.5;s="x";t=tok;b=:AQI=:;f=?0;flag') as [[string, unknown]];
    expect(label).toBe('sig1');
    expect(member).toMatchObject({
      kind: 'inner-list',
      items: [{ value: { type: 'string', value: '@method' } }, { value: { type: 'string', value: '@path' }, params: [['req', { type: 'boolean', value: true }]] }],
    });
    const params = Object.fromEntries((member as { params: Array<[string, { type: string }]> }).params.map(([key, value]) => [key, value.type]));
    expect(params).toEqual({ created: 'integer', n: 'decimal', s: 'string', t: 'token', b: 'bytes', f: 'boolean', flag: 'boolean' });
  });

  test('OWS around commas, SP inside inner lists', () => {
    expect(parseStrictDictionary('a=1 ,\tb=( "x"  "y" )').map(([key]) => key)).toEqual(['a', 'b']);
  });

  test.each([
    ['a=1, a=2', 'duplicate'],
    ['a=(1);p=1;p=2', 'duplicate'],
    ['a=1;p;p', 'duplicate'],
  ])('%s is refused as a duplicate', (text, problem) => {
    try {
      parseStrictDictionary(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(StrictParseError);
      expect((error as StrictParseError).problem).toBe(problem);
    }
  });

  test.each(['a=1,', 'A=1', 'a=1.', 'a=1.2345', 'a=1234567890123456', 'a=1234567890123.1', 'a="\\x"', 'a="é"', 'a=:AB$:', 'a=?2', 'a=("x"', 'a=("x""y")', 'a=1 b=2', 'a=@1', 'a=%"x"'])('%s is refused', (text) => {
    expect(() => parseStrictDictionary(text)).toThrow(StrictParseError);
  });
});

describe('parseSignatureFields (strict parameters)', () => {
  const fields = (input: string) => [['Signature-Input', input], ['Signature', 'sig1=:AAAA:']] as Array<[string, string]>;

  test('a well-typed Signature-Input parses', () => {
    const parsed = parseSignatureFields(fields('sig1=("@method");created=1700000000;expires=1700000060;nonce="n";alg="ed25519";keyid="k";tag="t"')).get('sig1');
    expect(parsed?.params).toEqual({ created: 1700000000, expires: 1700000060, nonce: 'n', alg: 'ed25519', keyid: 'k', tag: 't' });
  });

  test.each([
    'sig1=("@method");created=1700000000.0',
    'sig1=("@method");created="1700000000"',
    'sig1=("@method");created=-1',
    'sig1=("@method");expires',
    'sig1=("@method");keyid=k',
    'sig1=("@method");nonce=1',
    'sig1=("@method");alg=ed25519',
    'sig1=("@method");tag=:dGFn:',
    'sig1=("@method");other="x"',
    'sig1=(@method);created=1',
    'sig1=("@method");created=1;created=1',
    'sig1="@method"',
  ])('%s is refused', (input) => {
    expect(() => parseSignatureFields(fields(input))).toThrow(SignatureError);
  });

  test('a Signature with parameters, or not a Byte Sequence, is refused', () => {
    expect(() => parseSignatureFields([['Signature-Input', 'sig1=("@method")'], ['Signature', 'sig1=:AAAA:;x=1']])).toThrow(SignatureError);
    expect(() => parseSignatureFields([['Signature-Input', 'sig1=("@method")'], ['Signature', 'sig1="AAAA"']])).toThrow(SignatureError);
  });
});
