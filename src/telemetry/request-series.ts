// The metric series a finished request lands in, resolved once per label combination.
//
// A request names its series by listener, route, decision and reason (and egress, upstream):
// configured names and reason codes, so the combinations are bounded by the config. Each is
// resolved to a child the first time it is seen (resolved-series.ts) and then found again
// through one Map per label, keyed by the strings the request already holds: no label object,
// no joined key string, nothing allocated per request.
import type { DecisionKind } from '../pipeline/decision.js';
import type { ReasonCode } from '../core/reasons.js';
import type { Metrics } from './metrics.js';
import type { CounterChild, HistogramChild } from './resolved-series.js';

/** Children by label value, one Map level per label. */
class Level<V> {
  private readonly children = new Map<string, V>();
  constructor(private readonly make: (value: string) => V) {}

  get(value: string): V {
    let child = this.children.get(value);
    if (child === undefined) {
      child = this.make(value);
      this.children.set(value, child);
    }
    return child;
  }
}

export class RequestSeries {
  private readonly requests: Level<Level<Level<Level<CounterChild>>>>;
  private readonly durations: Level<Level<HistogramChild>>;
  private readonly upstreamDurations: Level<HistogramChild>;
  private readonly egressUpstreamDurations: Level<Level<HistogramChild>>;

  constructor(metrics: Metrics) {
    this.requests = new Level((listener) =>
      new Level((route) => new Level((decision) => new Level((reason) => metrics.requests.child({ listener, route, decision, reason })))),
    );
    this.durations = new Level((listener) => new Level((route) => metrics.requestDuration.child({ listener, route })));
    this.upstreamDurations = new Level((listener) => metrics.upstreamDuration.child({ listener }));
    this.egressUpstreamDurations = new Level((listener) => new Level((upstream) => metrics.egressUpstreamDuration.child({ listener, upstream })));
  }

  /** palisade_requests_total{listener, route, decision, reason} */
  request(listener: string, route: string, decision: DecisionKind, reason: ReasonCode | 'none'): CounterChild {
    return this.requests.get(listener).get(route).get(decision).get(reason);
  }

  /** palisade_request_duration_seconds{listener, route} */
  duration(listener: string, route: string): HistogramChild {
    return this.durations.get(listener).get(route);
  }

  /** palisade_upstream_duration_seconds{listener} */
  upstreamDuration(listener: string): HistogramChild {
    return this.upstreamDurations.get(listener);
  }

  /** palisade_egress_upstream_duration_seconds{listener, upstream} */
  egressUpstreamDuration(listener: string, upstream: string): HistogramChild {
    return this.egressUpstreamDurations.get(listener).get(upstream);
  }
}
