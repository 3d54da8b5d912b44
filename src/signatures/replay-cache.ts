// A bounded memory of values seen until a deadline: nonces (or signatures) for replay
// detection. Insertion order is close to expiry order, so expired entries are swept from the
// front; when full of live entries the oldest is forgotten (and counted), never the newest.
//
// Memory per entry is what sizes the cache for a request rate, so each entry is kept small:
// - the key is copied into a string of its own. A key built from a parsed header is a slice or
//   a concatenation of slices, and V8 keeps the whole header text alive behind it (measured:
//   264 bytes per entry with a nonce parsed from a Signature-Input, 88 with a copy);
// - the deadline is whole seconds since the cache was made, rounded up: a small integer V8
//   stores in the map itself, where milliseconds since 1970 would be a boxed number per entry.
//   Rounding up keeps an entry up to a second longer, never shorter.
export class ReplayCache {
  private readonly entries = new Map<string, number>();
  /** Milliseconds (Unix time) that deadline 0 stands for. */
  private readonly origin = Date.now();
  /** Live entries dropped because the cache was full: size it above rate × window. */
  evictions = 0;

  constructor(private capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get limit(): number {
    return this.capacity;
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
    if (seen !== undefined && this.deadline(seen) > now) return false;
    if (seen !== undefined) this.entries.delete(key);
    this.sweep(now);
    while (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evictions += 1;
    }
    this.entries.set(ownCopy(key), this.seconds(until));
    return true;
  }

  private seconds(until: number): number {
    // Bounded so the stored value stays a small integer; 2^30 s is 34 years past the origin.
    return Math.min(Math.max(Math.ceil((until - this.origin) / 1000), -(2 ** 30)), 2 ** 30 - 1);
  }

  private deadline(seconds: number): number {
    return this.origin + seconds * 1000;
  }

  private sweep(now: number): void {
    // Bounded work per call: at most 64 expired entries from the front.
    let budget = 64;
    for (const [key, seconds] of this.entries) {
      if (this.deadline(seconds) > now || budget-- === 0) break;
      this.entries.delete(key);
    }
  }
}

/**
 * The same text in a string that shares nothing with where it came from. Keys are ASCII (the
 * strict parser admits only printable ASCII in structured-field strings; the rest is base64),
 * which UTF-8 carries unchanged.
 */
function ownCopy(key: string): string {
  return Buffer.from(key, 'utf8').toString('utf8');
}
