// SPIFFE IDs (SPIFFE-ID spec §2): spiffe://<trust-domain>/<path>.
//
// Parsed strictly and never normalized: an ID that is not already in canonical form is
// malformed, because a lenient parser is how look-alike IDs (`/ns/a/`, `%2F`, `NS`) slip past
// an allow list written for the canonical one.

export interface SpiffeId {
  readonly id: string;
  readonly trustDomain: string;
  /** Path segments, without the leading empty segment. */
  readonly segments: readonly string[];
}

const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const SEGMENT = /^[a-zA-Z0-9._-]+$/;
const MAX_LENGTH = 2048;

export type SpiffeParse = { ok: true; value: SpiffeId } | { ok: false; problem: string };

export function parseSpiffeId(text: string): SpiffeParse {
  if (text.length > MAX_LENGTH) return { ok: false, problem: `longer than ${MAX_LENGTH} bytes` };
  if (!text.startsWith('spiffe://')) return { ok: false, problem: 'scheme must be "spiffe://" in lower case' };
  const rest = text.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  if (trustDomain === '') return { ok: false, problem: 'trust domain is empty' };
  if (!TRUST_DOMAIN.test(trustDomain)) return { ok: false, problem: 'trust domain may hold only lower-case letters, digits, ".", "-" and "_" (no port, user info or upper case)' };
  if (path === '') return { ok: true, value: { id: text, trustDomain, segments: [] } };
  if (path.endsWith('/')) return { ok: false, problem: 'path must not end with "/"' };
  const segments = path.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '') return { ok: false, problem: 'path must not contain empty segments' };
    if (segment === '.' || segment === '..') return { ok: false, problem: 'path must not contain "." or ".." segments' };
    if (!SEGMENT.test(segment)) return { ok: false, problem: 'path segments may hold only letters, digits, ".", "-" and "_" (no percent-encoding, query or fragment)' };
  }
  return { ok: true, value: { id: text, trustDomain, segments } };
}
