// Signing and verifying whole messages: the building blocks (components, fields, algorithms)
// put together. The proxy's check and egress signer use the same pieces with their own policy.
import type { KeyObject } from 'node:crypto';
import { serializeByteSequence, serializeInnerList, type InnerList, type Item, type Parameters } from 'structured-headers';
import { keyProblem, signBase, verifyBase, type SignatureAlgorithm } from './algorithms.js';
import { signatureBase, toComponents, type Component, type ComponentOptions } from './components.js';
import { SignatureError } from './errors.js';
import { parseSignatureFields, type ParsedSignature } from './fields.js';
import type { HttpMessage } from './message.js';

export interface SignOptions extends ComponentOptions {
  readonly label: string;
  /** Covered components, e.g. ["@method", "@authority", "content-digest"] or parsed components. */
  readonly components: ReadonlyArray<Component>;
  readonly algorithm: SignatureAlgorithm;
  readonly key: KeyObject;
  /** Parameters in the order to serialize them; undefined ones are left out. */
  readonly params: { created?: number; expires?: number; nonce?: string; keyid?: string; alg?: string; tag?: string };
}

export interface SignedFields {
  /** Member for the Signature-Input field: `label=(...);created=...`. */
  readonly signatureInput: string;
  /** Member for the Signature field: `label=:base64:`. */
  readonly signature: string;
  readonly base: string;
}

export function signMessage(message: HttpMessage, options: SignOptions): SignedFields {
  const problem = keyProblem(options.algorithm, options.key);
  if (problem) throw new SignatureError('invalid', problem);
  const params: Parameters = new Map();
  for (const [key, value] of Object.entries(options.params)) if (value !== undefined) params.set(key, value);
  const items: Item[] = options.components.map((component) => [component.name, component.params]);
  toComponents(items); // refuses duplicates and bad parameters before anything is signed
  const input: InnerList = [items, params];
  const base = signatureBase(message, options.components, input, options);
  const signature = signBase(options.algorithm, options.key, base);
  return { signatureInput: `${options.label}=${serializeInnerList(input)}`, signature: `${options.label}=${serializeByteSequence(signature)}`, base };
}

export interface VerifyKey {
  readonly algorithm: SignatureAlgorithm;
  readonly key: KeyObject;
}

/** Verify one parsed signature with a key whose algorithm is fixed by configuration. Throws SignatureError. */
export function verifyParsedSignature(message: HttpMessage, parsed: ParsedSignature, key: VerifyKey, options: ComponentOptions = {}): string {
  if (parsed.params.alg !== undefined && parsed.params.alg !== key.algorithm) {
    throw new SignatureError('alg_mismatch', `alg ${JSON.stringify(parsed.params.alg)} contradicts the key's algorithm ${key.algorithm}`);
  }
  const problem = keyProblem(key.algorithm, key.key);
  if (problem) throw new SignatureError('invalid', problem);
  const base = signatureBase(message, parsed.components, parsed.paramsValue, options);
  if (!verifyBase(key.algorithm, key.key, base, parsed.signature)) throw new SignatureError('invalid', `signature ${parsed.label} does not verify`);
  return base;
}

/** Parse the message's signature fields and verify the one with `label`. Throws SignatureError. */
export function verifyMessage(message: HttpMessage, label: string, key: VerifyKey, options: ComponentOptions = {}): ParsedSignature {
  const parsed = parseSignatureFields(message.headers).get(label);
  if (!parsed) throw new SignatureError('malformed', `no signature labelled ${label}`);
  verifyParsedSignature(message, parsed, key, options);
  return parsed;
}
