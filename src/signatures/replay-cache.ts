// A bounded memory of values seen until a deadline: nonces (or signatures) for replay
// detection. Insertion order is close to expiry order, so expired entries are swept from the
// front; when full of live entries the oldest is forgotten (and counted), never the newest.
export class ReplayCache {
  private readonly entries = new Map<string, number>();
  /** Live entries dropped because the cache was full: size it above rate × window. */
  evictions = 0;

  constructor(private capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  resize(capacity: number): void {
    this.capacity = capacity;
  }

  /**
   * Remember `key` until `until` (ms). Returns false when it is already remembered and not
   * expired: a replay.
   */
  remember(key: string, until: number, now: number): boolean {
    const seen = this.entries.get(key);
    if (seen !== undefined && seen > now) return false;
    if (seen !== undefined) this.entries.delete(key);
    this.sweep(now);
    while (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evictions += 1;
    }
    this.entries.set(key, until);
    return true;
  }

  private sweep(now: number): void {
    // Bounded work per call: at most 64 expired entries from the front.
    let budget = 64;
    for (const [key, until] of this.entries) {
      if (until > now || budget-- === 0) break;
      this.entries.delete(key);
    }
  }
}
