// Counters and histograms whose series are resolved once, for metrics written on every request.
//
// prom-client finds a series from its label object on every inc() and observe(): it builds a
// string from the label values, validates the label names, allocates a closure (histograms)
// and looks the bucket up by its bound turned into a property name. Its `.labels()` children
// only bind the label object, so they pay the same per call. That was about 1-2 µs per metric
// call, three calls per request. Here `child(labels)` does that work once and returns an
// object that holds plain numbers; the request path keeps the child (see request-series.ts).
//
// Both classes extend prom-client's own, so registration, validation, the registry and the
// exposition text are prom-client's: a counter's children are added into it when it is read
// (scrape, getMetricsAsJSON), and a histogram reports its children in the shape prom-client's
// Histogram does (test/unit/telemetry/resolved-series.test.ts compares the text byte for byte).
import { Counter, Histogram, type CounterConfiguration, type HistogramConfiguration, type LabelValues, type MetricObjectWithValues, type MetricValue, type MetricValueWithName, type ObserveDataWithExemplar } from 'prom-client';

/** One counter series: inc() is one addition; the count reaches prom-client when it is read. */
export class CounterChild {
  pending = 0;
  constructor(readonly labels: Readonly<LabelValues<string>>) {}

  inc(by = 1): void {
    this.pending += by;
  }
}

export class SeriesCounter<T extends string> extends Counter<T> {
  private readonly children = new Map<string, CounterChild>();

  constructor(config: CounterConfiguration<T>) {
    super(config);
  }

  /** The series for these labels, resolved once; keep it and call inc() on it. */
  child(labels: LabelValues<T>): CounterChild {
    const key = seriesKey(this.labelNamesOf(), labels);
    let child = this.children.get(key);
    if (!child) {
      // One inc of 0 validates the label names now and makes the series exist from here on.
      this.inc(labels, 0);
      child = new CounterChild({ ...labels });
      this.children.set(key, child);
    }
    return child;
  }

  override async get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    for (const child of this.children.values()) {
      if (child.pending === 0) continue;
      this.inc(child.labels as LabelValues<T>, child.pending);
      child.pending = 0;
    }
    return super.get();
  }

  override reset(): void {
    super.reset();
    // Called by prom-client's constructor too, before this class's fields exist.
    for (const child of this.children?.values() ?? []) child.pending = 0;
  }

  private labelNamesOf(): readonly string[] {
    return (this as unknown as { labelNames: readonly string[] }).labelNames;
  }
}

/** One histogram series: observe() finds the bucket and adds; nothing is allocated. */
export class HistogramChild {
  /** Per bucket (not cumulative); the last one counts values above every bound (+Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** Whether the series is exported: from child() or zero() on, until reset() or remove(). */
  exposed = true;

  constructor(
    readonly labels: Readonly<LabelValues<string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i += 1;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count += 1;
    this.exposed = true;
  }

  /** Back to no observations and not exported; a request path holding this child keeps it. */
  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.exposed = false;
  }
}

export class SeriesHistogram<T extends string> extends Histogram<T> {
  private readonly children = new Map<string, HistogramChild>();
  private readonly bounds: readonly number[];

  constructor(config: HistogramConfiguration<T>) {
    if (config.enableExemplars) throw new Error('SeriesHistogram does not keep exemplars');
    super(config);
    this.bounds = (this as unknown as { upperBounds: readonly number[] }).upperBounds;
    // prom-client sets observe() on the instance in its constructor, so it is replaced here, not overridden.
    this.observe = this.observeLabelled.bind(this) as Histogram<T>['observe'];
  }

  /** The series for these labels, resolved once; keep it and call observe() on it. */
  child(labels: LabelValues<T>): HistogramChild {
    const names = this.names();
    const key = seriesKey(names, labels);
    let child = this.children.get(key);
    if (!child) {
      child = new HistogramChild({ ...labels }, this.bounds);
      this.children.set(key, child);
    }
    child.exposed = true;
    return child;
  }

  /** The labelled form still works (and lands in the same series as child()). */
  private observeLabelled(labels: LabelValues<T> | number | ObserveDataWithExemplar<T>, value?: number): void {
    if (typeof labels === 'number') this.child({} as LabelValues<T>).observe(labels);
    else if (value === undefined) throw new Error('SeriesHistogram does not keep exemplars: observe(labels, value)');
    else this.child(labels as LabelValues<T>).observe(value);
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    const name = (this as unknown as { name: string }).name;
    const values: Array<MetricValueWithName<T>> = [];
    for (const child of this.children.values()) {
      if (!child.exposed) continue;
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i += 1) {
        cumulative += child.counts[i] as number;
        values.push({ labels: { le: this.bounds[i], ...child.labels } as never, value: cumulative, metricName: `${name}_bucket`, exemplar: null } as never);
      }
      values.push({ labels: { le: '+Inf', ...child.labels } as never, value: child.count, metricName: `${name}_bucket`, exemplar: null } as never);
      values.push({ labels: { ...child.labels } as never, value: child.sum, metricName: `${name}_sum` });
      values.push({ labels: { ...child.labels } as never, value: child.count, metricName: `${name}_count` });
    }
    const self = this as unknown as { help: string; aggregator: string };
    // The shape prom-client's Histogram.get() returns (its typings also list `collect`, which it never sets).
    return { name, help: self.help, type: 'histogram', values, aggregator: self.aggregator } as unknown as MetricObjectWithValues<MetricValueWithName<T>>;
  }

  /** The registry prefers this to get(); the values above are already in their final form. */
  async getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    return this.get();
  }

  override reset(): void {
    super.reset();
    // Cleared, not dropped: the request path may hold a child and keep observing into it.
    for (const child of this.children?.values() ?? []) child.clear();
  }

  override zero(labels: LabelValues<T>): void {
    this.child(labels);
  }

  // prom-client's own forms, kept working on the same children (nothing here uses them).
  override labels(...args: Array<string | LabelValues<T>>): Histogram.Internal<T> {
    const child = this.child(labelsFrom<T>(this.names(), args));
    return { observe: (value: number) => child.observe(value), startTimer: () => this.startTimer(child.labels as LabelValues<T>) };
  }

  override startTimer(labels?: LabelValues<T>): (labels?: LabelValues<T>) => number {
    const start = performance.now();
    return (end?: LabelValues<T>) => {
      const seconds = (performance.now() - start) / 1000;
      this.observe({ ...labels, ...end } as LabelValues<T>, seconds);
      return seconds;
    };
  }

  override remove(...args: Array<string | LabelValues<T>>): void {
    this.children.get(seriesKey(this.names(), labelsFrom<T>(this.names(), args)))?.clear();
  }

  private names(): readonly string[] {
    return (this as unknown as { labelNames: readonly string[] }).labelNames;
  }
}

function labelsFrom<T extends string>(names: readonly string[], args: ReadonlyArray<string | LabelValues<T>>): LabelValues<T> {
  const [first] = args;
  if (first !== undefined && typeof first === 'object') return first;
  return Object.fromEntries(names.map((name, i) => [name, args[i] as string])) as LabelValues<T>;
}

/** Only when a child is resolved, never per observation. An absent label differs from "". */
function seriesKey(names: readonly string[], labels: Readonly<Record<string, unknown>>): string {
  for (const name of Object.keys(labels)) {
    if (!names.includes(name)) throw new Error(`Added label "${name}" is not included in initial labelset: ${JSON.stringify(names)}`);
  }
  return names.map((name) => (labels[name] === undefined ? '\u0001' : `=${String(labels[name])}`)).join('\u0000');
}
