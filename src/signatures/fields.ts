// Signature-Input and Signature (RFC 9421 §4): both RFC 8941 Dictionaries keyed by label.
// Parsed once per request, strictly (strict-dictionary.ts): a repeated label or parameter, a
// Decimal where an Integer belongs, a Token where a String belongs, or a parameter RFC 9421 does
// not define refuses every signature in the message. A lenient reader here is a second reader
// that may disagree with the signer about what was signed.
import { serializeInnerList, type InnerList } from 'structured-headers';
import { toComponents, type Component } from './components.js';
import { malformed } from './errors.js';
import { innerListText } from './sf-text.js';
import { fieldLines, normalizeFieldLine, type HeaderLines } from './message.js';
import { parseStrictDictionary, StrictParseError, toLibraryInnerList, type StrictMember, type StrictParameters } from './strict-dictionary.js';

export interface SignatureParams {
  readonly created?: number;
  readonly expires?: number;
  readonly nonce?: string;
  readonly alg?: string;
  readonly keyid?: string;
  readonly tag?: string;
}

export interface ParsedSignature {
  readonly label: string;
  readonly components: readonly Component[];
  readonly params: SignatureParams;
  /** The inner list as received: its serialization is the @signature-params value. */
  readonly input: InnerList;
  /** That serialization (the @signature-params value), made once while parsing. */
  readonly paramsValue: string;
  readonly signature: Buffer;
}

/** RFC 9421 §2.3: the signature parameters and the RFC 8941 type each must have. */
const PARAM_TYPES: Readonly<Record<string, 'integer' | 'string'>> = {
  created: 'integer',
  expires: 'integer',
  nonce: 'string',
  alg: 'string',
  keyid: 'string',
  tag: 'string',
};

function readParams(label: string, params: StrictParameters): SignatureParams {
  const out: Record<string, string | number> = {};
  for (const [key, item] of params) {
    const wanted = PARAM_TYPES[key];
    if (wanted === undefined) throw malformed(`signature ${label}: unknown parameter ${key} (RFC 9421 defines created, expires, nonce, alg, keyid, tag)`);
    if (item.type !== wanted) throw malformed(`signature ${label}: ${key} must be an RFC 8941 ${wanted === 'integer' ? 'Integer' : 'String'}, not a ${item.type}`);
    if (wanted === 'integer' && (item.value as number) < 0) throw malformed(`signature ${label}: ${key} must not be negative`);
    out[key] = item.value as string | number;
  }
  return out as SignatureParams;
}

function strictDictionary(field: string, text: string): Map<string, StrictMember> {
  try {
    return new Map(parseStrictDictionary(text));
  } catch (error) {
    if (error instanceof StrictParseError) throw malformed(`${field} is not a valid RFC 8941 dictionary: ${error.message}`);
    throw error;
  }
}

function joined(lines: HeaderLines, name: string): string | undefined {
  const values = fieldLines(lines, name);
  return values.length === 0 ? undefined : values.map(normalizeFieldLine).join(', ');
}

/** Whether the message carries any Signature or Signature-Input field. */
export function hasSignatureFields(headers: HeaderLines): boolean {
  return fieldLines(headers, 'signature-input').length > 0 || fieldLines(headers, 'signature').length > 0;
}

/** Every signature in the message, by label. Throws SignatureError('malformed') on bad fields. */
export function parseSignatureFields(headers: HeaderLines): Map<string, ParsedSignature> {
  const inputText = joined(headers, 'signature-input');
  const signatureText = joined(headers, 'signature');
  const out = new Map<string, ParsedSignature>();
  if (inputText === undefined && signatureText === undefined) return out;
  if (inputText === undefined || signatureText === undefined) throw malformed('Signature-Input and Signature must be sent together');
  const inputs = strictDictionary('Signature-Input', inputText);
  const signatures = strictDictionary('Signature', signatureText);
  for (const [label, member] of inputs) {
    if (member.kind !== 'inner-list') throw malformed(`Signature-Input ${label} is not an inner list`);
    const sig = signatures.get(label);
    if (!sig) throw malformed(`Signature-Input ${label} has no Signature`);
    if (sig.kind !== 'item' || sig.value.type !== 'bytes') throw malformed(`Signature ${label} is not a byte sequence`);
    if (sig.params.length > 0) throw malformed(`Signature ${label} carries parameters`);
    for (const item of member.items) if (item.value.type !== 'string') throw malformed(`Signature-Input ${label}: a component identifier must be a String, not a ${item.value.type}`);
    const input = toLibraryInnerList(member);
    const components = toComponents(input[0]);
    const params = readParams(label, member.params);
    // The identifiers' texts are serialized already; only the (validated) parameters are left.
    const paramsValue = innerListText(components.map((component) => component.text), member.params) ?? serializeInnerList(input);
    out.set(label, { label, components, params, input, paramsValue, signature: sig.value.value });
  }
  for (const label of signatures.keys()) if (!inputs.has(label)) throw malformed(`Signature ${label} has no Signature-Input`);
  return out;
}

/** The @signature-params value of a signature. */
export function signatureParamsValue(input: InnerList): string {
  return serializeInnerList(input);
}
