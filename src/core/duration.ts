// Durations as an operator writes them in config and on the command line: `90s`, `15m`, `24h`,
// `30d`. One grammar everywhere, so `maxLifetime: 24h` in the config and `--ttl 24h` on the
// command line can never disagree about what a unit means.

const HOUR_MS = 3_600_000;
const UNIT_MS = { s: 1000, m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS } as const;

/** Parse a duration such as `90s`, `15m`, `24h`, `30d` into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration "${text}": use a number and a unit, e.g. 24h, 30d, 15m`);
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms <= 0) throw new Error(`invalid duration "${text}": must be greater than zero`);
  return ms;
}

/** A duration from the config file, compiled at load: as written, and in milliseconds. */
export interface CompiledDuration {
  readonly text: string;
  readonly ms: number;
}
