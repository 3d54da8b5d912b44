// Periodic probes inside the sidecar: one probe at a time (never two connections at once to a
// target, never a burst of handshakes from the sidecar), each target on its own interval with
// ±10% jitter so that many sidecars do not probe in step. Never on the request path: timers only.
//
// The scheduler hands each report to `onReport` (the telemetry module records it) and keeps the
// last one per target for GET /probes. A reload replaces the list; kept targets keep their timing.
import type { CertificateIssuer } from '../core/certificate-issuer.js';
import { runProbe } from './probe.js';
import { defaultDeadlineMs } from './settings.js';
import type { CheckName, ProbeReport, ProbeTarget } from './types.js';

export interface ScheduledProbe {
  /** The metric label `target`; unique. */
  readonly name: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly checks: ReadonlySet<CheckName>;
  /** Reads the target's files; throws when one cannot be read. */
  build(): ProbeTarget;
}

interface Entry {
  probe: ScheduledProbe;
  nextRunAt: number;
}

/** The first run of a target comes within this, so a fresh sidecar reports soon. */
const FIRST_RUN_SPREAD_MS = 1_000;
const STOP_WAIT_MS = 2_000;

export class ProbeScheduler {
  private entries = new Map<string, Entry>();
  private readonly last = new Map<string, ProbeReport>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private stopped = true;

  constructor(
    private readonly onReport: (name: string, report: ProbeReport) => void,
    private readonly onRemoved: (name: string) => void,
    /** For the mtls check's throwaway client certificates (`palisade run` passes the certificate factory). */
    private readonly certificates: CertificateIssuer | undefined,
    private readonly random: () => number = Math.random,
  ) {}

  update(probes: readonly ScheduledProbe[]): void {
    const next = new Map<string, Entry>();
    const now = Date.now();
    for (const probe of probes) {
      const old = this.entries.get(probe.name);
      if (old) {
        // The same entry object: a probe in flight for it is still recorded.
        old.probe = probe;
        old.nextRunAt = Math.min(old.nextRunAt, now + probe.intervalMs);
        next.set(probe.name, old);
      } else {
        next.set(probe.name, { probe, nextRunAt: now + this.random() * Math.min(FIRST_RUN_SPREAD_MS, probe.intervalMs) });
      }
    }
    for (const name of this.entries.keys()) {
      if (next.has(name)) continue;
      this.last.delete(name);
      this.onRemoved(name);
    }
    this.entries = next;
    if (!this.stopped) this.arm();
  }

  start(): void {
    this.stopped = false;
    this.arm();
  }

  /**
   * Stop scheduling. A probe in flight starts no new connection and is not recorded; its open
   * attempts end within their timeout. Shutdown waits for that at most STOP_WAIT_MS, so a probe
   * never holds up a drain.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort();
    if (this.running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.running, new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
      clearTimeout(timer);
    }
  }

  /** The last report of every target, by name (GET /probes). Targets not yet probed are absent. */
  reports(): Record<string, ProbeReport> {
    return Object.fromEntries([...this.entries.keys()].flatMap((name) => (this.last.has(name) ? [[name, this.last.get(name) as ProbeReport]] : [])));
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || this.running || this.entries.size === 0) return;
    const soonest = Math.min(...[...this.entries.values()].map((entry) => entry.nextRunAt));
    this.timer = setTimeout(() => this.runDue(), Math.max(0, soonest - Date.now()));
    this.timer.unref();
  }

  private runDue(): void {
    this.timer = undefined;
    const now = Date.now();
    const due = [...this.entries.values()].filter((entry) => entry.nextRunAt <= now).sort((a, b) => a.nextRunAt - b.nextRunAt)[0];
    if (!due) return this.arm();
    this.running = this.runOne(due).finally(() => {
      this.running = undefined;
      this.arm();
    });
  }

  private async runOne(entry: Entry): Promise<void> {
    const probe = entry.probe;
    let report: ProbeReport;
    try {
      const target = probe.build();
      this.abort = new AbortController();
      report = await runProbe(target, { timeoutMs: probe.timeoutMs, deadlineMs: Math.min(defaultDeadlineMs(probe.timeoutMs), probe.intervalMs), concurrency: 1, checks: probe.checks, signal: this.abort.signal, ...(this.certificates ? { certificates: this.certificates } : {}) });
    } catch (error) {
      report = {
        schema: 'palisade.probe.v1',
        target: probe.name,
        servername: null,
        startedAt: new Date().toISOString(),
        durationMs: 0,
        reachable: false,
        error: `cannot start the probe: ${(error as Error).message}`,
        incomplete: false,
        checks: {},
        findings: [],
      };
    }
    entry.nextRunAt = Date.now() + probe.intervalMs * (0.9 + 0.2 * this.random());
    // A target removed by a reload while it was being probed is not recorded.
    if (this.stopped || this.entries.get(probe.name) !== entry) return;
    this.last.set(probe.name, report);
    this.onReport(probe.name, report);
  }
}
