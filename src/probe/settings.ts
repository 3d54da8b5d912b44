// Defaults shared by `palisade probe` and the sidecar's periodic probes.
import { CHECKS, type CheckName } from './types.js';

export const DEFAULT_TIMEOUT_MS = 5_000;
/** Connections at once for the command; the sidecar's periodic probes use one. */
export const DEFAULT_CONCURRENCY = 8;

/** The whole probe's bound: enough for every attempt on a slow link, and never unbounded. */
export function defaultDeadlineMs(timeoutMs: number): number {
  return Math.max(30_000, 12 * timeoutMs);
}

export function parseChecks(text: string): Set<CheckName> {
  const names = text.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(CHECKS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) throw new Error(`--checks: ${unknown.length > 0 ? `unknown check(s) ${unknown.join(', ')}` : 'empty list'}; choose from ${CHECKS.join(',')}`);
  return new Set(names as CheckName[]);
}
