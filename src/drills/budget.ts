// The bounds every drill run keeps: a cap on attempts, a pace (attempts per second), a timeout
// per attempt and one for the whole run. An attempt the budget refuses is not sent.
import type { DrillLimits } from './config.js';

export type Permit = { ok: true; timeoutMs: number } | { ok: false; reason: string };

export class AttemptBudget {
  private used = 0;
  private lastStart = -Infinity;
  private readonly deadline: number;
  private readonly intervalMs: number;

  constructor(private readonly limits: DrillLimits, private readonly now: () => number = Date.now) {
    this.deadline = now() + limits.totalTimeoutMs;
    this.intervalMs = 1000 / limits.attemptsPerSecond;
  }

  get attempts(): number {
    return this.used;
  }

  /** Wait for the pace, then grant one attempt with its timeout, or say why not. */
  async next(): Promise<Permit> {
    if (this.used >= this.limits.maxAttempts) return { ok: false, reason: `the attempt limit (limits.maxAttempts = ${this.limits.maxAttempts}) is spent` };
    const wait = this.lastStart + this.intervalMs - this.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const left = this.deadline - this.now();
    if (left <= 0) return { ok: false, reason: `the run's time budget (limits.totalTimeoutMs = ${this.limits.totalTimeoutMs}) is spent` };
    this.used += 1;
    this.lastStart = this.now();
    return { ok: true, timeoutMs: Math.min(this.limits.attemptTimeoutMs, left) };
  }
}
