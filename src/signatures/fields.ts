// Signature-Input and Signature (RFC 9421 §4): both RFC 8941 Dictionaries keyed by label.
// Parsed once per request; a malformed field refuses every signature in it.
import { parseDictionary, serializeInnerList, type BareItem, type InnerList, type Item, type Parameters } from 'structured-headers';
import { toComponents, type Component } from './components.js';
import { malformed } from './errors.js';
import { fieldLines, normalizeFieldLine, type HeaderLines } from './message.js';

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
  readonly signature: Buffer;
}

const INTEGER_PARAMS = new Set(['created', 'expires']);
const STRING_PARAMS = new Set(['nonce', 'alg', 'keyid', 'tag']);

function readParams(label: string, params: Parameters): SignatureParams {
  const out: Record<string, string | number> = {};
  for (const [key, value] of params) {
    if (INTEGER_PARAMS.has(key)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw malformed(`signature ${label}: ${key} must be a non-negative integer`);
      out[key] = value;
    } else if (STRING_PARAMS.has(key)) {
      if (typeof value !== 'string') throw malformed(`signature ${label}: ${key} must be a string`);
      out[key] = value;
    }
    // Other parameters are covered by the signature (they are in @signature-params) and ignored.
  }
  return out as SignatureParams;
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
  let inputs;
  let signatures;
  try {
    inputs = parseDictionary(inputText);
    signatures = parseDictionary(signatureText);
  } catch (error) {
    throw malformed(`Signature-Input or Signature is not a structured dictionary: ${(error as Error).message}`);
  }
  for (const [label, member] of inputs) {
    if (!Array.isArray(member[0])) throw malformed(`Signature-Input ${label} is not an inner list`);
    const sig = signatures.get(label);
    if (!sig) throw malformed(`Signature-Input ${label} has no Signature`);
    const bare: BareItem | Item[] = sig[0];
    if (!(bare instanceof ArrayBuffer)) throw malformed(`Signature ${label} is not a byte sequence`);
    const input = member as InnerList;
    out.set(label, { label, components: toComponents(input[0]), params: readParams(label, input[1]), input, signature: Buffer.from(bare) });
  }
  for (const label of signatures.keys()) if (!inputs.has(label)) throw malformed(`Signature ${label} has no Signature-Input`);
  return out;
}

/** The @signature-params value of a signature. */
export function signatureParamsValue(input: InnerList): string {
  return serializeInnerList(input);
}
