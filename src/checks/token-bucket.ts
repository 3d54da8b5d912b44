// A token bucket: `burst` tokens at most, refilled at `rate` tokens a second, one taken per
// request. Levels are kept apart from the limit they were filled under, so a reload that changes
// the rate or the burst applies the new limit to the level a caller already has (clamped to the
// new burst) instead of handing everyone a fresh, full bucket.

export interface BucketLimit {
  /** Tokens per second. */
  readonly rate: number;
  /** The bucket's size (a whole number, at least 1). */
  readonly burst: number;
}

export interface BucketLevel {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

export type Take = { readonly ok: true } | { readonly ok: false; /** Whole seconds until a token is there, at least 1. */ readonly retryAfterSeconds: number };

const TAKEN: Take = Object.freeze({ ok: true });

/** A full bucket, as a caller never seen before gets. */
export function fullBucket(limit: BucketLimit, now: number): BucketLevel {
  return { tokens: limit.burst, at: now };
}

/** Refill `level` for the time since it was last used, then take one token if there is one. */
export function take(level: BucketLevel, limit: BucketLimit, now: number): Take {
  // A clock step backwards refills nothing (and never drains).
  const elapsedSeconds = Math.max(0, now - level.at) / 1000;
  const tokens = Math.min(limit.burst, level.tokens + elapsedSeconds * limit.rate);
  level.at = Math.max(level.at, now);
  if (tokens >= 1) {
    level.tokens = tokens - 1;
    return TAKEN;
  }
  level.tokens = tokens;
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / limit.rate)) };
}
