// RFC 9421 §2 component examples (test/vectors/rfc9421.json component_examples), and the
// refusals the RFC requires: duplicate components, a repeated @query-param, bad parameters.
import { parseItem } from 'structured-headers';
import { describe, expect, test } from 'vitest';
import {
  componentValue,
  parseComponentText,
  parseSignatureFields,
  signatureParamsValue,
  SignatureError,
  toComponents,
  type HttpMessage,
} from '../../../src/signatures/index.js';
import { loadVectors, parseRawMessage } from './vectors.js';

interface Example {
  section: string;
  what: string;
  message: string | null;
  expected_base_lines: string;
  scheme?: string;
}

const examples = loadVectors<{ component_examples: Example[] }>('rfc9421.json').component_examples;
const LINE = /^("[^"]*"(?:;[a-z]+(?:="[^"]*")?)*): (.*)$/;

describe.each(examples.map((example) => [`${example.section} ${example.what}`, example] as const))('%s', (_name, example) => {
  test('each base line is reproduced', () => {
    for (const line of example.expected_base_lines.split('\n')) {
      const match = LINE.exec(line);
      expect(match, line).not.toBeNull();
      const [, identifier, value] = match as unknown as [string, string, string];
      if (identifier === '"@signature-params"') {
        const parsed = parseSignatureFields([
          ['Signature-Input', `s=${value}`],
          ['Signature', 's=:AA==:'],
        ]).get('s')!;
        expect(signatureParamsValue(parsed.input)).toBe(value);
        continue;
      }
      const message = parseRawMessage(example.message ?? '', example.scheme ?? 'https');
      const component = parseComponentText(identifier);
      expect(componentValue(component, message, { structuredFields: { 'example-dict': 'dictionary' } }), line).toBe(value);
    }
  });
});

function kind(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof SignatureError) return error.kind;
    throw error;
  }
  return undefined;
}

const request = (target: string, headers: Array<[string, string]> = [['Host', 'example.com']]): HttpMessage => ({ kind: 'request', method: 'GET', target, scheme: 'https', headers });

describe('refusals', () => {
  test('duplicate covered components', () => {
    expect(kind(() => toComponents([parseItem('"@method"'), parseItem('"@method"')]))).toBe('malformed');
    expect(kind(() => toComponents([parseItem('"a";sf;req'), parseItem('"a";req;sf')]))).toBe('malformed');
    expect(kind(() => parseSignatureFields([['Signature-Input', 's=("date" "date");created=1'], ['Signature', 's=:AA==:']]))).toBe('malformed');
  });

  test('a query parameter named by @query-param that occurs twice', () => {
    expect(kind(() => componentValue(parseComponentText('"@query-param";name="a"'), request('/p?a=1&b=2&a=3')))).toBe('malformed');
    expect(componentValue(parseComponentText('"@query-param";name="b"'), request('/p?a=1&b=2&a=3'))).toBe('2');
  });

  test('malformed parameters and identifiers', () => {
    for (const text of [
      '"@query-param"', // needs name
      '"@method";sf',
      '"@method";name="x"',
      '"content-type";bs;sf',
      '"example-dict";key="a";bs',
      '"Content-Type"', // upper case
      '"content-type";name="x"',
      '"x";foo',
      '"@signature-params"',
      '"@unknown"',
      '"date";sf=?0',
    ]) {
      expect(kind(() => parseComponentText(text)), text).toBe('malformed');
    }
    expect(kind(() => parseSignatureFields([['Signature-Input', 's=(@method)'], ['Signature', 's=:AA==:']]))).toBe('malformed');
    expect(kind(() => parseSignatureFields([['Signature-Input', 's=("@method");created="1"'], ['Signature', 's=:AA==:']]))).toBe('malformed');
    expect(kind(() => parseSignatureFields([['Signature-Input', 's=("@method");keyid=1'], ['Signature', 's=:AA==:']]))).toBe('malformed');
    expect(kind(() => parseSignatureFields([['Signature-Input', 's=("@method")'], ['Signature', 's="abc"']]))).toBe('malformed');
    expect(kind(() => parseSignatureFields([['Signature-Input', 's=("@method")']]))).toBe('malformed');
    expect(kind(() => parseSignatureFields([['Signature-Input', 's=("@method")'], ['Signature', 't=:AA==:']]))).toBe('malformed');
  });

  test('sf on a field that is not a known structured field, and @status on a request', () => {
    expect(kind(() => componentValue(parseComponentText('"date";sf'), request('/', [['Date', 'x']])))).toBe('malformed');
    expect(kind(() => componentValue(parseComponentText('"@status"'), request('/')))).toBe('malformed');
    expect(kind(() => componentValue(parseComponentText('"@method";req'), request('/')))).toBe('malformed');
  });

  test('components absent from the message', () => {
    expect(kind(() => componentValue(parseComponentText('"x-missing"'), request('/')))).toBe('component_missing');
    expect(kind(() => componentValue(parseComponentText('"@query-param";name="z"'), request('/p?a=1')))).toBe('component_missing');
    expect(kind(() => componentValue(parseComponentText('"example-dict";key="z"'), request('/', [['Example-Dict', 'a=1']])))).toBe('component_missing');
    expect(kind(() => componentValue(parseComponentText('"@authority"'), request('/', [])))).toBe('component_missing');
  });

  test('@authority drops the default port and lower-cases', () => {
    expect(componentValue(parseComponentText('"@authority"'), request('/', [['Host', 'Example.COM:443']]))).toBe('example.com');
    expect(componentValue(parseComponentText('"@authority"'), request('/', [['Host', 'example.com:8443']]))).toBe('example.com:8443');
  });
});
