// `routes[].rateLimit`: a token bucket per (route, peer identity), src/checks/rate-limit.ts.
import { z } from 'zod';

/** Far above any real per-identity limit; keeps the arithmetic finite and the intent plain. */
const MAX_RATE = 1_000_000;

export const RateLimitSchema = z.strictObject({
  /** Tokens added to each identity's bucket per second: the sustained rate. */
  requestsPerSecond: z.number({ error: 'requestsPerSecond must be a number' }).positive({ error: 'requestsPerSecond must be positive' }).max(MAX_RATE, { error: `requestsPerSecond must be at most ${MAX_RATE}` }),
  /** The bucket's size: how many requests an identity may send at once after a quiet spell. */
  burst: z.number({ error: 'burst must be a number' }).int({ error: 'burst must be a whole number' }).min(1, { error: 'burst must be at least 1' }).max(MAX_RATE, { error: `burst must be at most ${MAX_RATE}` }),
});

export type RateLimitConfig = z.output<typeof RateLimitSchema>;

export const RouteRateLimitKeys = {
  rateLimit: RateLimitSchema.optional(),
};
