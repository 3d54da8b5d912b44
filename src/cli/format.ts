// The --format option shared by commands whose output a machine may read.
import { UsageError } from './usage.js';

export function parseFormat<T extends string>(value: string | undefined, allowed: readonly T[]): T {
  if (value === undefined) return allowed[0] as T;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--format must be one of ${allowed.join(', ')} (got "${value}")`);
}
