// Per-identity rate limiting on routes with `rateLimit`: a token bucket per (route, peer
// identity), the identity being the one the certificate proved (src/checks/peer-identity.ts).
// Over the limit: 429 rate_limited with Retry-After, the whole seconds until the caller's next
// token; in report mode would_deny and the request goes on (it still takes a token, so the
// report shows what enforcing would do).
//
// The bucket levels are the check's state and outlive a reload: a reload must not hand every
// caller a fresh burst. A changed rate or burst applies to the kept levels (clamped to the new
// burst); a route that loses its limit simply stops using its buckets, which age out.
//
// The levels are bounded: at most MAX_BUCKETS (route, identity) pairs per listener, least
// recently used forgotten first. That is safe because only certificate-verified identities
// reach this check: a caller cannot mint identities to flush the table, and a forgotten bucket
// only ever belonged to the identity that has been quiet longest. 16 384 pairs is far above the
// workloads one service talks to, and a few MB at most.
import type { Check } from './types.js';
import type { Finding } from '../core/findings.js';
import type { RouteConfig } from '../config/schema.js';
import { LruCache } from '../core/lru.js';
import { fullBucket, take, type BucketLevel, type BucketLimit } from './token-bucket.js';

const NAME = 'rate-limit';
export const MAX_BUCKETS = 16_384;

interface RateLimits {
  /** Each limited route's limit, by route name. */
  readonly limits: ReadonlyMap<string, BucketLimit>;
  /** Levels by route and identity: shared with the previous state, so a reload keeps them. */
  readonly levels: LruCache<string, BucketLevel>;
}

function limitsOf(routes: readonly RouteConfig[]): Map<string, BucketLimit> {
  const limits = new Map<string, BucketLimit>();
  for (const route of routes) if (route.rateLimit) limits.set(route.name, { rate: route.rateLimit.requestsPerSecond, burst: route.rateLimit.burst });
  return limits;
}

export const rateLimitCheck: Check<RateLimits> = {
  name: NAME,
  prepare({ listener }, previous) {
    const limits = limitsOf(listener.routes);
    if (limits.size === 0) return undefined;
    return { state: { limits, levels: previous?.levels ?? new LruCache(MAX_BUCKETS) } };
  },
  run(request, state): readonly Finding[] {
    const limit = state?.limits.get(request.route.name);
    if (!state || !limit) return [];
    const identity = request.peer.identity;
    // Without an identity peer-identity has denied already (enforce); in report mode such peers share one bucket.
    const who = identity ? `${identity.kind}:${identity.value}` : '-';
    const key = `${request.route.name}\0${who}`;
    const now = Date.now();
    let level = state.levels.get(key);
    if (!level) {
      level = fullBucket(limit, now);
      state.levels.set(key, level);
    }
    const taken = take(level, limit, now);
    if (taken.ok) return [];
    return [
      {
        check: NAME,
        reason: 'rate_limited',
        severity: 'deny',
        detail: `${identity?.value ?? 'a peer without identity'} is over ${limit.rate}/s (burst ${limit.burst}) on route ${request.route.name}; next request in ${taken.retryAfterSeconds}s`,
        retryAfterSeconds: taken.retryAfterSeconds,
      },
    ];
  },
};
