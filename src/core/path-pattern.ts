// Route path patterns: literal segments, `*` for exactly one segment, and `**` as the last
// segment for zero or more segments. Never regular expressions: a pattern is read at a glance
// and cannot be written to match more than it says.
//
// Patterns are matched against the *normalized* path (see path-normalize.ts), segment by
// segment, so `/public/**` can never match `/public/../admin`.

export interface PathPattern {
  readonly source: string;
  readonly segments: readonly string[];
  /** True when the pattern ends in `**`. */
  readonly rest: boolean;
}

/** Returns a description of what is wrong with a pattern, or undefined when it is valid. */
export function validatePathPattern(pattern: string): string | undefined {
  if (!pattern.startsWith('/')) return 'must start with "/"';
  if (pattern.includes('?') || pattern.includes('#')) return 'must not contain a query or fragment';
  if (pattern.includes('%') || pattern.includes('\\')) return 'must be written decoded, without "%" or "\\"';
  if (pattern === '/') return undefined;
  const segments = pattern.slice(1).split('/');
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i] ?? '';
    if (segment === '' && !(i === segments.length - 1 && i > 0)) return 'must not contain empty segments ("//")';
    if (segment === '.' || segment === '..') return 'must not contain "." or ".." segments';
    if (segment === '**' && i !== segments.length - 1) return '"**" is allowed only as the last segment';
    if (segment !== '*' && segment !== '**' && segment.includes('*')) return '"*" must be a whole segment ("/a/*/b"), not part of one';
  }
  return undefined;
}

export function compilePathPattern(pattern: string): PathPattern {
  const trimmed = pattern.length > 1 && pattern.endsWith('/') ? pattern.slice(0, -1) : pattern;
  const segments = trimmed === '/' ? [] : trimmed.slice(1).split('/');
  const rest = segments[segments.length - 1] === '**';
  return { source: pattern, segments: rest ? segments.slice(0, -1) : segments, rest };
}

/** `segments` are the normalized path's segments (no leading empty segment). */
export function matchPathPattern(pattern: PathPattern, segments: readonly string[]): boolean {
  const fixed = pattern.segments;
  if (pattern.rest ? segments.length < fixed.length : segments.length !== fixed.length) return false;
  for (let i = 0; i < fixed.length; i += 1) {
    const want = fixed[i];
    if (want !== '*' && want !== segments[i]) return false;
    if (want === '*' && segments[i] === '') return false;
  }
  return true;
}
