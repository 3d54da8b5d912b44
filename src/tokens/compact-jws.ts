// Strict parsing of a JWT in the JWS Compact Serialization (RFC 7515 §7.1, RFC 7519 §7.2):
// exactly three parts, each in the base64url alphabet with no padding, no whitespace and no
// stray bits in the last character (so one token has exactly one spelling), a header and a
// payload that are UTF-8 JSON objects. Nothing here trusts the content: it only makes sure the
// verifier looks at one well-defined header, payload and signature.
//
// jose (whose decoder uses atob) also accepts padding, embedded whitespace and non-canonical
// final characters; none of those is produced by a conforming signer, so they are refused here.

/** The JSON object members of a header or claims set, as parsed. */
export type JsonObject = Record<string, unknown>;

export interface CompactJws {
  readonly header: JsonObject;
  readonly payload: JsonObject;
  /** ASCII `header.payload`: the bytes the signature covers. */
  readonly signingInput: Buffer;
  /** The third part, still encoded: decoded only once a key was found for it. */
  readonly encodedSignature: string;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
// jose's strict decoder: invalid UTF-8 is an error, never replaced.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The value (0-63) of a base64url character, for the canonical-final-character check. */
function sextet(code: number): number {
  if (code >= 65 && code <= 90) return code - 65; // A-Z
  if (code >= 97 && code <= 122) return code - 71; // a-z
  if (code >= 48 && code <= 57) return code + 4; // 0-9
  return code === 45 ? 62 : 63; // '-' or '_'
}

/** Unpadded base64url in its one canonical spelling, decoded; undefined for anything else. */
export function decodeBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const tail = text.length % 4;
  // One character cannot hold a byte; in a 2- or 3-character tail the bits past the last whole
  // byte must be zero, or several spellings would decode to the same bytes.
  if (tail === 1) return undefined;
  if (tail !== 0) {
    const last = sextet(text.charCodeAt(text.length - 1));
    if ((tail === 2 && (last & 0x0f) !== 0) || (tail === 3 && (last & 0x03) !== 0)) return undefined;
  }
  return Buffer.from(text, 'base64url');
}

function decodeJsonObject(part: string): JsonObject | undefined {
  const bytes = decodeBase64url(part);
  if (bytes === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(bytes));
  } catch {
    return undefined;
  }
  // JSON.parse only builds plain objects and arrays: "not null, not an array" is jose's isObject.
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** The token's parts, or undefined when it is not a well-formed compact JWT. */
export function parseCompactJws(token: string): CompactJws | undefined {
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0) return undefined;
  const encodedHeader = token.slice(0, first);
  const encodedPayload = token.slice(first + 1, second);
  // An empty header or payload is no JSON object; the check below would refuse it too, but say so early.
  if (encodedHeader === '' || encodedPayload === '') return undefined;
  const header = decodeJsonObject(encodedHeader);
  if (header === undefined) return undefined;
  const payload = decodeJsonObject(encodedPayload);
  if (payload === undefined) return undefined;
  // Both parts passed the base64url alphabet check, so the signing input is ASCII.
  return { header, payload, signingInput: Buffer.from(token.slice(0, second), 'latin1'), encodedSignature: token.slice(second + 1) };
}
