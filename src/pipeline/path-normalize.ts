// Request-path normalization, done once before route matching.
//
// The path that is matched is the path the upstream receives: we forward the normalized form,
// so the app and the route table can never disagree about which resource was asked for. What
// cannot be normalized without guessing is refused (400 path_not_normalized):
//   - an encoded "/" or "\" (%2F, %5C): is it a separator or data? Apps disagree, so we refuse;
//   - a raw "\" (some frameworks read it as "/");
//   - %00, malformed percent-encoding, a fragment, or a target that is not origin-form.
// Normalizing means (RFC 3986 §6.2.2): decode percent-encoded unreserved characters, upper-case
// the hex of the rest, merge "//" runs, and remove "." and ".." segments (clamped at the root).

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
// Nothing to normalize: no percent sign, no dot segment, no "//", no backslash.
const ALREADY_NORMAL = /^\/(?:[^/%.\\?#]+\/?)*(?:[^/%\\?#]*)$/;

export function normalizePath(target: string): NormalizedPath {
  if (!target.startsWith('/')) return { ok: false, problem: 'request target is not origin-form (must start with "/")' };
  const q = target.indexOf('?');
  const raw = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q);
  if (raw.includes('#') || query.includes('#')) return { ok: false, problem: 'request target contains a fragment' };
  if (ALREADY_NORMAL.test(raw) && !raw.includes('/.')) {
    const segments = raw === '/' ? [] : raw.slice(1).split('/');
    if (segments[segments.length - 1] === '') segments.pop();
    return { ok: true, path: raw, segments, query, changed: false };
  }
  if (raw.includes('\\')) return { ok: false, problem: 'path contains a backslash' };

  const decoded = decodeUnreserved(raw);
  if (!decoded.ok) return decoded;

  const input = decoded.value.split('/');
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
  const path = '/' + out.join('/') + (trailingSlash && out.length > 0 ? '/' : '');
  return { ok: true, path, segments: out, query, changed: path !== raw };
}

function decodeUnreserved(raw: string): { ok: true; value: string } | { ok: false; problem: string } {
  if (!raw.includes('%')) return { ok: true, value: raw };
  let value = '';
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
    const char = String.fromCharCode(code);
    value += UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return { ok: true, value };
}
