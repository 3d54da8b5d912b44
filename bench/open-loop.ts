// Open-loop load at a fixed rate: requests are sent on a schedule (every 1/rate seconds) whatever
// the server does, and each latency is measured from the time the request was MEANT to be sent.
// A closed loop (N workers, one request each) slows down with the server and so hides queueing:
// a 70 ms event-loop stall shows up here as 140 requests late by up to 70 ms.
//
// Requests beyond the free connections wait in undici's queue; that wait counts. The schedule
// is driven by a timer, so the load generator's own stalls count too: it runs on its own CPU.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { summarize, type ClientTls, type LatencySummary } from './load.js';

export interface OpenLoopOptions {
  readonly origin: string;
  readonly path: string;
  readonly tls?: ClientTls;
  readonly headers?: Record<string, string>;
  readonly headersFor?: () => Record<string, string>;
  readonly rate: number;
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly onMeasureStart?: () => void;
  readonly onMeasureEnd?: () => void;
}

export interface OpenLoopResult {
  readonly rate: number;
  /** Requests scheduled inside the measured window. */
  readonly scheduled: number;
  /** Of those, answered 2xx. */
  readonly ok: number;
  /** Of those, answered with an error or a non-2xx status. */
  readonly failed: number;
  /** Of those, still unanswered 2 s after the window closed (given up on; not an error). */
  readonly unanswered: number;
  /** Of those, still unanswered when the window closed (a backlog: the rate was not sustained). */
  readonly backlogAtEnd: number;
  /** Completions per second inside the window. */
  readonly achievedRps: number;
  /** True when the window's requests were all answered and the backlog at its end was small. */
  readonly sustained: boolean;
  /** From the intended send time to the end of the body, successful requests of the window. */
  readonly latencyMs: LatencySummary;
  /**
   * How late this load generator handed each request of the window to its pool (its own timer
   * and event-loop delay): latency the proxy did not cause. A p99 near the latency p99 means
   * the bench, not the proxy, stalled.
   */
  readonly sendLagMs: LatencySummary;
  readonly seconds: number;
  readonly firstFailure?: string;
  readonly loadgenCpuMicros: number;
}

// After the window, wait this long for its last requests before calling them unanswered.
const GRACE_MS = 2_000;

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const pool = new Pool(options.origin, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
    connect: options.tls ? { ...options.tls, rejectUnauthorized: true, timeout: 5_000 } : { timeout: 5_000 },
  });
  const interval = 1000 / options.rate;
  const total = Math.ceil((options.rate * (options.warmupMs + options.durationMs)) / 1000);
  const measuredFrom = Math.ceil((options.rate * options.warmupMs) / 1000);
  const samples = new Float64Array(total - measuredFrom);
  const lags = new Float64Array(total - measuredFrom);
  let ok = 0;
  let failed = 0;
  let completedInWindow = 0;
  let pending = 0;
  let firstFailure: string | undefined;
  let givenUp = false;
  let cpuStart: NodeJS.CpuUsage | undefined;
  let windowEnd = Number.POSITIVE_INFINITY;
  let backlogAtEnd = 0;
  const start = performance.now() + 20;
  const measureStart = start + measuredFrom * interval;
  const measureEnd = start + total * interval;

  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  let sent = 0;

  const send = (index: number) => {
    const intended = start + index * interval;
    const measured = index >= measuredFrom;
    if (measured) lags[index - measuredFrom] = performance.now() - intended;
    pending += 1;
    const headers = options.headersFor ? options.headersFor() : options.headers;
    pool
      .request({ method: 'GET', path: options.path, ...(headers ? { headers } : {}) })
      .then(async (response) => {
        await response.body.text();
        if (response.statusCode < 200 || response.statusCode > 299) throw new Error(`HTTP ${response.statusCode}`);
      })
      .then(
        () => {
          const done = performance.now();
          if (measured) {
            samples[ok++] = done - intended;
            if (done <= windowEnd) completedInWindow += 1;
          }
        },
        (error: unknown) => {
          // Requests cut off by the pool's destruction after the grace period are counted as unanswered.
          if (givenUp) return;
          if (measured) failed += 1;
          firstFailure ??= (error as Error).message;
        },
      )
      .finally(() => {
        pending -= 1;
        if (sent === total && pending === 0) allDone();
      });
  };

  await new Promise<void>((resolve) => {
    let measuring = false;
    const tick = () => {
      const now = performance.now();
      if (!measuring && now >= measureStart) {
        measuring = true;
        options.onMeasureStart?.();
        cpuStart = process.cpuUsage();
      }
      while (sent < total && start + sent * interval <= now) send(sent++);
      if (sent >= total) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
  // The window ends with the last scheduled send; what is still in flight then is the backlog.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, measureEnd - performance.now())));
  windowEnd = performance.now();
  backlogAtEnd = pending;
  const cpu = process.cpuUsage(cpuStart);
  options.onMeasureEnd?.();
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([finished, new Promise((resolve) => (grace = setTimeout(resolve, GRACE_MS)))]);
  clearTimeout(grace);
  const unanswered = pending;
  givenUp = true;
  await pool.destroy().catch(() => undefined);

  const scheduled = total - measuredFrom;
  const seconds = (windowEnd - measureStart) / 1000;
  return {
    rate: options.rate,
    scheduled,
    ok,
    failed,
    unanswered,
    backlogAtEnd,
    achievedRps: completedInWindow / seconds,
    // A backlog of a few connections' worth is one burst in flight; more means falling behind.
    sustained: unanswered === 0 && failed === 0 && backlogAtEnd <= Math.max(options.connections, options.rate * 0.05),
    latencyMs: summarize(samples.subarray(0, ok)),
    sendLagMs: summarize(lags),
    seconds,
    ...(firstFailure ? { firstFailure } : {}),
    loadgenCpuMicros: cpu.user + cpu.system,
  };
}
