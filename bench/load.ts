// The load generator: an undici Pool (keep-alive, pipelining 1, one connection per in-flight
// request) driven by a fixed number of workers, each with one request in flight at a time.
//
//   warm-up (not counted) → measured window, bounded by a duration AND a request count.
//
// Latency is measured per request from just before pool.request() until the body has been
// read; every measured sample is kept in a preallocated array and sorted at the end.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface ClientTls {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly servername: string;
}

export interface LoadOptions {
  readonly origin: string;
  readonly path: string;
  readonly tls?: ClientTls;
  /** Sent with every request (the token scenario's Authorization). */
  readonly headers?: Record<string, string>;
  /** Called per request, for headers that must differ each time (the signature scenario's RFC 9421 signature). */
  readonly headersFor?: () => Record<string, string>;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly maxRequests: number;
  /** Called at the start and end of the measured window (CPU snapshots of the servers). */
  readonly onMeasureStart?: () => void;
  readonly onMeasureEnd?: () => void;
}

export interface LatencySummary {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface LoadResult {
  /** Measured requests that completed (successful or not). */
  readonly requests: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly warmupRequests: number;
  readonly warmupFailures: number;
  readonly seconds: number;
  readonly rps: number;
  /** Latency of the successful (2xx) measured requests, in milliseconds. */
  readonly latencyMs: LatencySummary;
  readonly statuses: Record<string, number>;
  readonly firstFailure?: string;
  /** CPU time of this (load generator) process over the measured window, in microseconds. */
  readonly loadgenCpuMicros: number;
  /** True when the request cap, not the duration, ended the window. */
  readonly cappedByCount: boolean;
  /** Completed measured requests per second, in buckets of TIMELINE_MS: shows ramps and stalls. */
  readonly timeline: { readonly bucketMs: number; readonly rps: number[] };
}

const TIMELINE_MS = 250;

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

export function summarize(samples: Float64Array): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
  };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.origin, {
    connections: options.concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
    connect: options.tls
      ? { ca: options.tls.ca, cert: options.tls.cert, key: options.tls.key, servername: options.tls.servername, rejectUnauthorized: true, timeout: 5_000 }
      : { timeout: 5_000 },
  });

  const samples = new Float64Array(options.maxRequests);
  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  let issued = 0;
  let requests = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let warmupRequests = 0;
  let warmupFailures = 0;
  let firstFailure: string | undefined;
  let cappedByCount = false;
  const statuses: Record<string, number> = {};
  let measureStart = 0;
  let cpuStart: NodeJS.CpuUsage | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  const timeline: number[] = [];

  const worker = async () => {
    while (phase !== 'stop') {
      const measured = phase === 'measure';
      if (measured) {
        if (issued >= options.maxRequests) {
          cappedByCount = true;
          phase = 'stop';
          break;
        }
        issued += 1;
      }
      const started = performance.now();
      let status = 0;
      let failure: string | undefined;
      try {
        const headers = options.headersFor ? options.headersFor() : options.headers;
        const response = await pool.request({ method: 'GET', path: options.path, ...(headers ? { headers } : {}) });
        status = response.statusCode;
        const body = await response.body.text();
        if (status < 200 || status > 299) failure = `HTTP ${status}: ${body.slice(0, 200)}`;
      } catch (error) {
        const e = error as Error & { code?: string };
        failure = `${e.code ?? e.name}: ${e.message}`;
      }
      const elapsed = performance.now() - started;
      if (failure) firstFailure ??= `${measured ? '' : '(warm-up) '}${failure}`;
      if (!measured) {
        warmupRequests += 1;
        if (failure) warmupFailures += 1;
        continue;
      }
      requests += 1;
      const bucket = Math.floor((performance.now() - measureStart) / TIMELINE_MS);
      timeline[bucket] = (timeline[bucket] ?? 0) + 1;
      const key = status === 0 ? 'error' : String(status);
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (status === 0) errors += 1;
      else if (failure) non2xx += 1;
      else samples[ok++] = elapsed;
    }
  };

  const warmupTimer = setTimeout(() => {
    options.onMeasureStart?.();
    cpuStart = process.cpuUsage();
    measureStart = performance.now();
    phase = 'measure';
    stopTimer = setTimeout(() => {
      if (phase === 'measure') phase = 'stop';
    }, options.durationMs);
  }, options.warmupMs);

  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    clearTimeout(warmupTimer);
    clearTimeout(stopTimer);
  }
  const measureEnd = performance.now();
  const cpu = process.cpuUsage(cpuStart);
  options.onMeasureEnd?.();
  await pool.close();

  const seconds = (measureEnd - measureStart) / 1000;
  return {
    requests,
    ok,
    non2xx,
    errors,
    warmupRequests,
    warmupFailures,
    seconds,
    rps: requests / seconds,
    latencyMs: summarize(samples.subarray(0, ok)),
    statuses,
    ...(firstFailure ? { firstFailure } : {}),
    loadgenCpuMicros: cpu.user + cpu.system,
    cappedByCount,
    timeline: { bucketMs: TIMELINE_MS, rps: Array.from(timeline, (count) => ((count ?? 0) * 1000) / TIMELINE_MS) },
  };
}
