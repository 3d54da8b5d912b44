// Bounds on the probe's work: at most `concurrency` connections at once, and nothing starts after
// the deadline. A target that stops answering therefore costs at most the deadline, and the report
// says which attempts were skipped instead of reporting them as refused.
export class Budget {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly deadline: number;
  skipped = 0;

  constructor(
    private readonly concurrency: number,
    deadlineMs: number,
    private readonly timeoutMs: number,
    private readonly signal?: AbortSignal,
  ) {
    this.deadline = Date.now() + deadlineMs;
  }

  get expired(): boolean {
    return Date.now() >= this.deadline || this.signal?.aborted === true;
  }

  /** The timeout for an attempt starting now: the per-attempt timeout, cut to the deadline. */
  get attemptTimeoutMs(): number {
    return Math.max(1, Math.min(this.timeoutMs, this.deadline - Date.now()));
  }

  /** Run `task(timeoutMs)` when a slot is free; undefined when the deadline passed first. */
  async run<T>(task: (timeoutMs: number) => Promise<T>): Promise<T | undefined> {
    while (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.expired) {
      this.skipped += 1;
      this.waiting.shift()?.();
      return undefined;
    }
    this.active += 1;
    try {
      return await task(this.attemptTimeoutMs);
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }

  /** `run` over every item, in order of the input; skipped items are undefined. */
  all<I, T>(items: readonly I[], task: (item: I, timeoutMs: number) => Promise<T>): Promise<Array<T | undefined>> {
    return Promise.all(items.map((item) => this.run((timeoutMs) => task(item, timeoutMs))));
  }
}
