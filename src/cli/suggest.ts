// "Did you mean …?" for a mistyped command or option: the closest known name by edit distance,
// offered only when it is close enough to be a typo (not a different word).

/** Levenshtein distance, with a transposition counting as one edit (`--cofnig`). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate within a third of the word's length (at least 1, at most 3 edits), or a unique prefix match. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined && bestDistance <= limit) return best;
  const prefixed = candidates.filter((candidate) => word.length >= 2 && candidate.startsWith(word));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** Long option names (`--config`) from help flags such as `-c, --config FILE`. */
export function longOptions(flags: readonly string[]): string[] {
  return flags.flatMap((text) => [...text.matchAll(/--[a-z0-9][a-z0-9-]*/g)].map((match) => match[0]));
}

/** The option a parseArgs "Unknown option '--x'" error names, if that is what it is. */
export function unknownOptionOf(error: { code?: string; message: string }): string | undefined {
  if (error.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return undefined;
  return /Unknown option '([^']+)'/.exec(error.message)?.[1];
}
