// Request-path normalization, done once before route matching.
//
// The path that is matched is the path the upstream receives: we forward the normalized form,
// so the app and the route table can never disagree about which resource was asked for. What
// cannot be normalized without guessing how the app will read it is refused (400
// path_not_normalized):
//   - an encoded "/" or "\" (%2F, %5C): is it a separator or data? Apps disagree, so we refuse;
//   - a raw "\" (some frameworks read it as "/");
//   - %00, malformed percent-encoding, a fragment, or a target that is not origin-form;
//   - path parameters: ";" in a segment, which Tomcat, Jetty and Spring strip before dispatch
//     (/admin;x=y and /..;/admin reach /admin). Refused by default; with `parameters: strip`
//     each segment is cut at its ";" and the rest normalized and forwarded, so the app never
//     sees them. An encoded ";" (%3B) is refused in both modes: some servers decode it first;
//   - what servers strip or fold before dispatch: a segment ending in "." or an encoded space
//     (Windows and IIS drop them), encoded control characters (%01-%1F, %7F), double encoding
//     (%25 followed by two hex digits: a second decode makes another path), raw bytes outside
//     printable ASCII, percent-encoded bytes that are not valid UTF-8 (overlong forms such as
//     %C0%AE for "."), and text that Unicode NFKC normalization would change (fullwidth
//     letters, "․" one-dot leader...), which some stacks apply.
// Normalizing means (RFC 3986 §6.2.2): decode percent-encoded unreserved characters, upper-case
// the hex of the rest, merge "//" runs, and remove "." and ".." segments (clamped at the root).

export type PathParameters = 'reject' | 'strip';

export type NormalizedPath =
  | {
      ok: true;
      /** The normalized path, without the query. */
      path: string;
      /** Path segments for matching; a trailing "/" does not add an empty segment. */
      segments: string[];
      /** The query, including its leading "?", exactly as sent ("" when none). */
      query: string;
      /** Whether the path differed from what the peer sent. */
      changed: boolean;
    }
  | { ok: false; problem: string };

const UNRESERVED = /[A-Za-z0-9\-._~]/;
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

/**
 * Characters a path needing no normalization is made of: unreserved and sub-delims, ":" and "@"
 * (no "%", no ";", no "\\", nothing outside printable ASCII). "/" separates segments.
 */
const PLAIN = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@") PLAIN[ch.charCodeAt(0)] = 1;
const SLASH = 0x2f;
const DOT = 0x2e;

export function normalizePath(target: string, parameters: PathParameters = 'reject'): NormalizedPath {
  return normalizeAlreadyNormal(target) ?? normalizeInFull(target, parameters);
}

/**
 * The fast path, for the paths nearly every request sends: one scan proves the path needs no
 * normalization (non-empty segments of PLAIN characters, none starting or ending with ".", at
 * most a trailing "/", no fragment), and the result is what normalizeInFull() returns for it
 * (test/unit/pipeline/path-normalize-fast.test.ts checks that on every bypass input and a
 * generated set). Undefined: the path needs the full treatment.
 */
export function normalizeAlreadyNormal(target: string): NormalizedPath | undefined {
  if (target.charCodeAt(0) !== SLASH) return undefined;
  const q = target.indexOf('?');
  const end = q === -1 ? target.length : q;
  if (q !== -1 && target.indexOf('#', q) !== -1) return undefined;
  const segments: string[] = [];
  let start = 1;
  for (let i = 1; i <= end; i += 1) {
    const code = i === end ? SLASH : target.charCodeAt(i);
    if (code !== SLASH) {
      if (code >= 128 || PLAIN[code] === 0) return undefined;
      continue;
    }
    if (i === start) {
      // An empty segment: fine only as the last one (a trailing "/", or the root "/").
      if (i !== end) return undefined;
      break;
    }
    if (target.charCodeAt(start) === DOT || target.charCodeAt(i - 1) === DOT) return undefined;
    segments.push(target.slice(start, i));
    start = i + 1;
  }
  return { ok: true, path: q === -1 ? target : target.slice(0, q), segments, query: q === -1 ? '' : target.slice(q), changed: false };
}

/** Every rule above, for any target: the reference the fast path must agree with. */
export function normalizeInFull(target: string, parameters: PathParameters = 'reject'): NormalizedPath {
  if (!target.startsWith('/')) return { ok: false, problem: 'request target is not origin-form (must start with "/")' };
  const q = target.indexOf('?');
  const raw = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q);
  if (raw.includes('#') || query.includes('#')) return { ok: false, problem: 'request target contains a fragment' };
  if (raw.includes('\\')) return { ok: false, problem: 'path contains a backslash' };
  if (!PRINTABLE_ASCII.test(raw)) return { ok: false, problem: 'path contains a raw byte outside printable ASCII (percent-encode it)' };

  const decoded = decodeUnreserved(raw);
  if (!decoded.ok) return decoded;

  let input = decoded.value.split('/');
  if (decoded.value.includes(';')) {
    if (parameters === 'reject') return { ok: false, problem: 'path contains a ";" path parameter, which the app may strip before dispatch' };
    input = input.map((segment) => segment.split(';', 1)[0] as string);
  }
  const trailingSlash = input.length > 1 && (input[input.length - 1] === '' || input[input.length - 1] === '.' || input[input.length - 1] === '..');
  const out: string[] = [];
  for (const segment of input) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      out.pop();
      continue;
    }
    out.push(segment);
  }
  for (const segment of out) {
    if (segment.endsWith('.') || segment.endsWith('%20')) return { ok: false, problem: 'a path segment ends in "." or an encoded space, which some servers strip' };
  }
  const path = '/' + out.join('/') + (trailingSlash && out.length > 0 ? '/' : '');
  return { ok: true, path, segments: out, query, changed: path !== raw };
}

function decodeUnreserved(raw: string): { ok: true; value: string } | { ok: false; problem: string } {
  if (!raw.includes('%')) return { ok: true, value: raw };
  let value = '';
  let nonAscii = false;
  for (let i = 0; i < raw.length; i += 1) {
    const ch = raw[i] as string;
    if (ch !== '%') {
      value += ch;
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return { ok: false, problem: 'malformed percent-encoding' };
    const code = parseInt(hex, 16);
    if (code === 0x2f || code === 0x5c) return { ok: false, problem: 'path contains an encoded "/" or "\\"' };
    if (code === 0) return { ok: false, problem: 'path contains an encoded NUL' };
    if (code < 0x20 || code === 0x7f) return { ok: false, problem: 'path contains an encoded control character' };
    if (code === 0x3b) return { ok: false, problem: 'path contains an encoded ";" (%3B), which the app may decode into a path parameter' };
    if (code === 0x25 && /^[0-9A-Fa-f]{2}$/.test(raw.slice(i + 3, i + 5))) return { ok: false, problem: 'path is double percent-encoded (%25 followed by hex digits)' };
    if (code >= 0x80) {
      // A run of encoded non-ASCII bytes: it must be well-formed UTF-8.
      let end = i;
      const bytes: number[] = [];
      while (raw[end] === '%' && /^[89A-Fa-f][0-9A-Fa-f]$/.test(raw.slice(end + 1, end + 3))) {
        bytes.push(parseInt(raw.slice(end + 1, end + 3), 16));
        end += 3;
      }
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
      } catch {
        return { ok: false, problem: 'path contains percent-encoded bytes that are not valid UTF-8 (overlong or truncated)' };
      }
      nonAscii = true;
      value += raw.slice(i, end).toUpperCase();
      i = end - 1;
      continue;
    }
    const char = String.fromCharCode(code);
    value += UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
    i += 2;
  }
  if (nonAscii) {
    // As a whole path, so a combining mark after an ASCII letter counts too.
    const text = decodeURIComponent(value);
    if (text.normalize('NFKC') !== text) return { ok: false, problem: 'path contains characters that Unicode NFKC normalization changes (fullwidth, compatibility or decomposed forms)' };
  }
  return { ok: true, value };
}
