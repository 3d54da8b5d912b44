// Identity patterns used in route allow lists.
//
//   spiffe://example.org/ns/prod/sa/api     exact SPIFFE ID
//   spiffe://example.org/ns/*/sa/api        `*` matches exactly one path segment
//   spiffe://example.org/ns/prod/**         `**` (last only) matches one or more segments
//   dns:api.example.org  /  dns:*.example.org   DNS SAN identities; `*` is one leftmost label
//   cn:legacy-client                        subject common name (legacy peers)
//   *                                       any peer with a verified certificate
//
// The trust domain is always exact. No regular expressions anywhere.
import type { PeerIdentity } from './identity.js';
import { parseSpiffeId } from './spiffe.js';

export type IdentityPattern =
  | { kind: 'any'; source: string }
  | { kind: 'spiffe'; source: string; trustDomain: string; segments: readonly string[]; rest: boolean }
  | { kind: 'dns'; source: string; name: string; wildcard: boolean }
  | { kind: 'cn'; source: string; name: string };

export function validateIdentityPattern(text: string): string | undefined {
  if (text === '*') return undefined;
  if (text.startsWith('spiffe://')) {
    // Validate by parsing the pattern with wildcard segments swapped for a literal.
    const segments = text.slice('spiffe://'.length).split('/');
    const last = segments.length - 1;
    for (let i = 1; i < segments.length; i += 1) {
      if (segments[i] === '**' && i !== last) return '"**" is allowed only as the last segment';
      if (segments[i] !== '*' && segments[i] !== '**' && segments[i]?.includes('*')) return '"*" must be a whole path segment';
    }
    if (segments[0]?.includes('*')) return 'the trust domain must be exact (no wildcards)';
    const probe = text.replace(/\/\*\*?(?=\/|$)/g, '/x');
    const parsed = parseSpiffeId(probe);
    return parsed.ok ? undefined : `not a valid SPIFFE ID pattern: ${parsed.problem}`;
  }
  if (text.startsWith('dns:')) {
    const name = text.slice(4);
    const body = name.startsWith('*.') ? name.slice(2) : name;
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(body)) return 'not a valid lower-case DNS name (a "*." prefix is the only wildcard)';
    return undefined;
  }
  if (text.startsWith('cn:')) return text.length > 3 ? undefined : 'cn: needs a name';
  return 'must be "*", a spiffe:// ID, "dns:NAME" or "cn:NAME"';
}

export function compileIdentityPattern(text: string): IdentityPattern {
  if (text === '*') return { kind: 'any', source: text };
  if (text.startsWith('dns:')) {
    const name = text.slice(4);
    return name.startsWith('*.') ? { kind: 'dns', source: text, name: name.slice(1), wildcard: true } : { kind: 'dns', source: text, name, wildcard: false };
  }
  if (text.startsWith('cn:')) return { kind: 'cn', source: text, name: text.slice(3) };
  const rest = text.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const segments = slash === -1 ? [] : rest.slice(slash + 1).split('/');
  const hasRest = segments[segments.length - 1] === '**';
  return { kind: 'spiffe', source: text, trustDomain, segments: hasRest ? segments.slice(0, -1) : segments, rest: hasRest };
}

export function matchIdentity(pattern: IdentityPattern, peer: PeerIdentity): boolean {
  switch (pattern.kind) {
    case 'any':
      return true;
    case 'cn':
      return peer.kind === 'cn' && peer.value === pattern.name;
    case 'dns':
      if (peer.kind !== 'dns') return false;
      if (!pattern.wildcard) return peer.value === pattern.name;
      // `*.example.org` matches exactly one extra leftmost label.
      return peer.value.endsWith(pattern.name) && peer.value.length > pattern.name.length && !peer.value.slice(0, -pattern.name.length).includes('.');
    case 'spiffe': {
      if (peer.kind !== 'spiffe' || peer.spiffe.trustDomain !== pattern.trustDomain) return false;
      const segments = peer.spiffe.segments;
      if (pattern.rest ? segments.length <= pattern.segments.length : segments.length !== pattern.segments.length) return false;
      return pattern.segments.every((want, i) => want === '*' || want === segments[i]);
    }
  }
}
