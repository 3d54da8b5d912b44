// Covered components and the signature base, exactly per RFC 9421 §2 and §2.5.
//
// A component identifier is an sf-string with parameters: an HTTP field name (lowercase) with
// `sf`, `key`, `bs`, `req` or `tr`, or a derived component (`@method`...) with `req` (and `name`
// for `@query-param`). Anything else is refused, as are duplicate identifiers, a `@query-param`
// whose name occurs more than once, and a component the message does not have.
import {
  ParseError,
  parseDictionary,
  parseItem,
  parseList,
  serializeDictionary,
  serializeInnerList,
  serializeItem,
  serializeList,
  type InnerList,
  type Item,
  type Parameters,
} from 'structured-headers';
import { malformed, SignatureError } from './errors.js';
import { componentItemText } from './sf-text.js';
import { fieldLines, normalizeFieldLine, type HttpMessage, type HttpRequestMessage } from './message.js';

export const DERIVED_COMPONENTS = new Set(['@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query', '@query-param', '@status']);

export type StructuredType = 'dictionary' | 'list' | 'item';

/** Fields known to be structured (RFC 8941 type), for the `sf` parameter. */
export const KNOWN_STRUCTURED_FIELDS: Readonly<Record<string, StructuredType>> = {
  'accept-signature': 'dictionary',
  'cache-status': 'list',
  'cdn-cache-control': 'dictionary',
  'client-cert': 'item',
  'client-cert-chain': 'list',
  'content-digest': 'dictionary',
  priority: 'dictionary',
  'proxy-status': 'list',
  'repr-digest': 'dictionary',
  signature: 'dictionary',
  'signature-input': 'dictionary',
  'want-content-digest': 'dictionary',
  'want-repr-digest': 'dictionary',
};

export interface ComponentOptions {
  /** Extra structured field types for `sf`, on top of KNOWN_STRUCTURED_FIELDS. */
  readonly structuredFields?: Readonly<Record<string, StructuredType>>;
}

/** A validated component identifier. */
export interface Component {
  readonly name: string;
  readonly params: Parameters;
  /** The identifier as serialized in the signature base, e.g. `"@query-param";name="Pet"`. */
  readonly text: string;
}

const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/** Validate one covered-component item from Signature-Input (or a signer's list). */
export function toComponent(item: Item): Component {
  const [bare, params] = item;
  if (typeof bare !== 'string') throw malformed('a component identifier must be an sf-string');
  const name = bare;
  for (const [key, value] of params) {
    if (key === 'key' || key === 'name') {
      if (typeof value !== 'string') throw malformed(`component ${name}: parameter ${key} must be a string`);
    } else if (key === 'sf' || key === 'bs' || key === 'req' || key === 'tr') {
      if (value !== true) throw malformed(`component ${name}: parameter ${key} must be a bare boolean true`);
    } else {
      throw malformed(`component ${name}: unknown parameter ${key}`);
    }
  }
  if (name.startsWith('@')) {
    if (name === '@signature-params') throw malformed('@signature-params cannot be a covered component');
    if (!DERIVED_COMPONENTS.has(name)) throw malformed(`unknown derived component ${name}`);
    for (const key of params.keys()) {
      if (key === 'req') continue;
      if (key === 'name' && name === '@query-param') continue;
      throw malformed(`derived component ${name} does not take parameter ${key}`);
    }
    if (name === '@query-param' && !params.has('name')) throw malformed('@query-param needs a name parameter');
  } else {
    if (!FIELD_NAME.test(name)) throw malformed(`component name ${JSON.stringify(name)} is not a lowercase field name`);
    if (params.has('name')) throw malformed(`field ${name} does not take parameter name`);
    if (params.has('bs') && (params.has('sf') || params.has('key'))) throw malformed(`field ${name}: bs cannot be combined with sf or key`);
  }
  return { name, params, text: componentItemText(item) };
}

/** Validate a covered-component list; duplicates are refused (RFC 9421 §2.5). */
export function toComponents(items: readonly Item[]): Component[] {
  const seen = new Set<string>();
  return items.map((item) => {
    const component = toComponent(item);
    const key = `${component.name}\0${[...component.params.entries()]
      .map(([k, v]) => `${k}=${String(v)}`)
      .sort()
      .join(';')}`;
    if (seen.has(key)) throw malformed(`duplicate component ${component.text}`);
    seen.add(key);
    return component;
  });
}

/** `"@query-param";name="x"` or `"content-type"` as text → a component (for config and the CLI). */
export function parseComponentText(text: string): Component {
  let item: Item;
  try {
    item = parseItem(text.trim().startsWith('"') ? text : JSON.stringify(text));
  } catch (error) {
    throw malformed(`component ${text}: ${(error as Error).message}`);
  }
  return toComponent(item);
}

function missing(message: string): SignatureError {
  return new SignatureError('component_missing', message);
}

/** The percent-encoding of RFC 9421 §2.2.8 (WHATWG urlencoded set, space as %20). */
function encodeQueryPart(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9*\-._]/.test(ch)) out += ch;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decodeQueryPart(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw malformed('the query has malformed percent-encoding');
  }
}

interface TargetParts {
  readonly absolute: boolean;
  readonly authority: string | undefined;
  readonly path: string;
  readonly query: string | undefined;
}

function splitTarget(target: string): TargetParts {
  const withoutFragment = target.split('#')[0] ?? '';
  // An origin-form target ("/...", the usual case) cannot start with a scheme: no regex for it.
  const absolute = withoutFragment.charCodeAt(0) === 47 ? null : /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(withoutFragment);
  let authority: string | undefined;
  let rest = withoutFragment;
  if (absolute) {
    const afterScheme = withoutFragment.slice(absolute[0].length);
    const end = afterScheme.search(/[/?]/);
    authority = end === -1 ? afterScheme : afterScheme.slice(0, end);
    rest = end === -1 ? '' : afterScheme.slice(end);
  } else if (!withoutFragment.startsWith('/')) {
    return { absolute: false, authority: undefined, path: '', query: undefined };
  }
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  return { absolute: Boolean(absolute), authority, path: path === '' ? '/' : path, query: q === -1 ? undefined : rest.slice(q + 1) };
}

function requestAuthority(request: HttpRequestMessage, parts: TargetParts): string {
  let authority = request.authority ?? parts.authority;
  if (authority === undefined) {
    const host = fieldLines(request.headers, 'host');
    if (host.length !== 1) throw missing(host.length === 0 ? '@authority: no Host header' : '@authority: more than one Host header');
    authority = normalizeFieldLine(host[0] as string);
  }
  authority = authority.toLowerCase();
  const scheme = request.scheme.toLowerCase();
  if ((scheme === 'https' && authority.endsWith(':443')) || (scheme === 'http' && authority.endsWith(':80'))) authority = authority.slice(0, authority.lastIndexOf(':'));
  return authority;
}

function derivedValue(component: Component, message: HttpMessage): string {
  const name = component.name;
  if (name === '@status') {
    if (message.kind !== 'response') throw malformed('@status is only for responses');
    return String(message.status).padStart(3, '0');
  }
  if (message.kind !== 'request') throw malformed(`${name} is only for requests (use ;req on a response)`);
  // These three need nothing from the target: it is split only for the others.
  if (name === '@method') return message.method;
  if (name === '@scheme') return message.scheme.toLowerCase();
  if (name === '@request-target') return message.target;
  const parts = splitTarget(message.target);
  switch (name) {
    case '@authority':
      return requestAuthority(message, parts);
    case '@target-uri': {
      if (parts.absolute) return message.target.split('#')[0] ?? '';
      if (!message.target.startsWith('/')) throw missing('@target-uri: the request target is not origin-form or absolute-form');
      return `${message.scheme.toLowerCase()}://${requestAuthority(message, parts)}${message.target.split('#')[0] ?? ''}`;
    }
    case '@path':
      if (parts.path === '') throw missing('@path: the request target has no path');
      return parts.path;
    case '@query':
      return `?${parts.query ?? ''}`;
    case '@query-param': {
      const wanted = component.params.get('name') as string;
      let found: string | undefined;
      let count = 0;
      for (const pair of (parts.query ?? '').split('&')) {
        if (pair === '') continue;
        const eq = pair.indexOf('=');
        const rawName = eq === -1 ? pair : pair.slice(0, eq);
        const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
        if (encodeQueryPart(decodeQueryPart(rawName)) !== wanted) continue;
        count += 1;
        found = encodeQueryPart(decodeQueryPart(rawValue));
      }
      if (count > 1) throw malformed(`@query-param: parameter ${wanted} occurs ${count} times`);
      if (found === undefined) throw missing(`@query-param: no parameter ${wanted}`);
      return found;
    }
    default:
      throw malformed(`unknown derived component ${name}`);
  }
}

function structuredType(name: string, options: ComponentOptions): StructuredType | undefined {
  return options.structuredFields?.[name] ?? KNOWN_STRUCTURED_FIELDS[name];
}

function reserialize(value: string, type: StructuredType, name: string): string {
  try {
    if (type === 'dictionary') return serializeDictionary(parseDictionary(value));
    if (type === 'list') return serializeList(parseList(value));
    return serializeItem(parseItem(value));
  } catch (error) {
    if (error instanceof ParseError || error instanceof Error) throw malformed(`field ${name} is not a valid structured ${type}: ${error.message}`);
    throw error;
  }
}

function fieldValue(component: Component, message: HttpMessage, options: ComponentOptions): string {
  const name = component.name;
  const lines = fieldLines(component.params.has('tr') ? message.trailers : message.headers, name);
  if (lines.length === 0) throw missing(`field ${name} is not in the message`);
  if (component.params.has('bs')) {
    return lines.map((line) => `:${Buffer.from(line.replace(/^[ \t]+|[ \t]+$/g, ''), 'utf8').toString('base64')}:`).join(', ');
  }
  const combined = lines.map(normalizeFieldLine).join(', ');
  const key = component.params.get('key');
  if (typeof key === 'string') {
    let dictionary;
    try {
      dictionary = parseDictionary(combined);
    } catch (error) {
      throw malformed(`field ${name} is not a structured dictionary: ${(error as Error).message}`);
    }
    const member = dictionary.get(key);
    if (member === undefined) throw missing(`field ${name} has no member ${key}`);
    return Array.isArray(member[0]) ? serializeInnerList(member as InnerList) : serializeItem(member as Item);
  }
  if (component.params.has('sf')) {
    const type = structuredType(name, options);
    if (!type) throw malformed(`field ${name} is not a known structured field (sf)`);
    return reserialize(combined, type, name);
  }
  return combined;
}

/** The value of one component in `message` (RFC 9421 §2.1, §2.2, §2.4). */
export function componentValue(component: Component, message: HttpMessage, options: ComponentOptions = {}): string {
  let target: HttpMessage = message;
  if (component.params.has('req')) {
    if (message.kind !== 'response' || !message.request) throw malformed(`component ${component.text}: req needs a response with its request`);
    target = message.request;
  }
  return component.name.startsWith('@') ? derivedValue(component, target) : fieldValue(component, target, options);
}

/**
 * The signature base (RFC 9421 §2.5): one line per covered component, then the
 * `@signature-params` line. `signatureParams` is the inner list from Signature-Input, or its
 * serialization when the caller has it already (ParsedSignature.paramsValue).
 */
export function signatureBase(message: HttpMessage, components: readonly Component[], signatureParams: InnerList | string, options: ComponentOptions = {}): string {
  let base = '';
  for (const component of components) {
    const value = componentValue(component, message, options);
    if (/[\r\n]/.test(value)) throw malformed(`component ${component.text} has a line break`);
    base += `${component.text}: ${value}\n`;
  }
  return `${base}"@signature-params": ${typeof signatureParams === 'string' ? signatureParams : serializeInnerList(signatureParams)}`;
}
