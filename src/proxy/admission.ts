// Admission to the local app, per inbound listener: Envoy's circuit breakers (max requests,
// max pending), plus what a sidecar can add because it knows who is calling.
//
//   in flight < upstream.connections        → go now
//   else queue (FIFO) < upstream.maxPending → wait, at most upstream.queueTimeoutMs
//   else                                    → 503 upstream_overloaded at once
//
// And before all of that: one peer identity may hold at most upstream.maxRequestsPerIdentity
// requests in flight or queued (429 identity_overloaded), so one caller, however many
// connections it opens, cannot take the whole pool from everyone else.
//
// Without this, undici's pool queues without bound and every caller waits behind whoever holds
// the app's connections. A request admitted here always finds a free pool connection.

export interface AdmissionLimits {
  /** Requests in flight to the app at once: the pool's connection count. */
  readonly connections: number;
  readonly maxPending: number;
  readonly queueTimeoutMs: number;
  /** Unset: half of `connections`, rounded up. */
  readonly maxRequestsPerIdentity?: number | undefined;
}

export type AdmissionRefusal = 'upstream_overloaded' | 'identity_overloaded';

export type Admitted = { readonly ok: true; release(): void };
export type Refused = { readonly ok: false; readonly reason: AdmissionRefusal | 'aborted'; readonly detail: string };
export type AdmissionResult = Admitted | Refused;

/**
 * How admit() learns that a queued request was given up (the peer left, the sidecar cut it).
 * An AbortSignal has this shape; so does a forwarding exchange (forward.ts), which costs no
 * AbortController and no EventTarget per request.
 */
export interface Cancellation {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

interface Waiter {
  readonly identity: string;
  readonly resolve: (result: AdmissionResult) => void;
  readonly timer: NodeJS.Timeout;
  readonly signal: Cancellation | undefined;
  readonly onAbort: () => void;
}

export class Admission {
  private inFlight = 0;
  /** FIFO: a Set keeps insertion order and removes a timed-out waiter in O(1). */
  private readonly queue = new Set<Waiter>();
  private readonly perIdentity = new Map<string, number>();

  private readonly perIdentityLimit: number;

  constructor(private readonly limits: AdmissionLimits) {
    this.perIdentityLimit = limits.maxRequestsPerIdentity ?? Math.ceil(limits.connections / 2);
  }

  get active(): number {
    return this.inFlight;
  }

  get pending(): number {
    return this.queue.size;
  }

  /** `signal`: the request was given up; a queued request leaves the queue. */
  admit(identity: string, signal?: Cancellation): AdmissionResult | Promise<AdmissionResult> {
    if (signal?.aborted) return { ok: false, reason: 'aborted', detail: 'the request was given up before it was admitted' };
    const held = this.perIdentity.get(identity) ?? 0;
    if (held >= this.perIdentityLimit) {
      return { ok: false, reason: 'identity_overloaded', detail: `identity already has ${held} requests in flight or queued (upstream.maxRequestsPerIdentity ${this.perIdentityLimit})` };
    }
    if (this.inFlight < this.limits.connections && this.queue.size === 0) {
      this.perIdentity.set(identity, held + 1);
      this.inFlight++;
      return this.grant(identity);
    }
    if (this.queue.size >= this.limits.maxPending) {
      return { ok: false, reason: 'upstream_overloaded', detail: `${this.inFlight} requests in flight and ${this.queue.size} queued (upstream.maxPending ${this.limits.maxPending})` };
    }
    this.perIdentity.set(identity, held + 1);
    return new Promise<AdmissionResult>((resolve) => {
      const waiter: Waiter = {
        identity,
        resolve,
        signal,
        timer: setTimeout(() => {
          this.leaveQueue(waiter);
          resolve({ ok: false, reason: 'upstream_overloaded', detail: `no app connection freed within upstream.queueTimeoutMs (${this.limits.queueTimeoutMs} ms)` });
        }, this.limits.queueTimeoutMs),
        onAbort: () => {
          this.leaveQueue(waiter);
          resolve({ ok: false, reason: 'aborted', detail: 'the peer went away while queued' });
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.add(waiter);
    });
  }

  private grant(identity: string): Admitted {
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.forget(identity);
        this.inFlight--;
        this.next();
      },
    };
  }

  /** A slot freed: hand it to the oldest waiter. */
  private next(): void {
    const first = this.queue.values().next();
    if (first.done || this.inFlight >= this.limits.connections) return;
    const waiter = first.value;
    this.queue.delete(waiter);
    clearTimeout(waiter.timer);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    this.inFlight++;
    waiter.resolve(this.grant(waiter.identity));
  }

  private leaveQueue(waiter: Waiter): void {
    if (!this.queue.delete(waiter)) return;
    clearTimeout(waiter.timer);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    this.forget(waiter.identity);
  }

  private forget(identity: string): void {
    const held = (this.perIdentity.get(identity) ?? 1) - 1;
    if (held <= 0) this.perIdentity.delete(identity);
    else this.perIdentity.set(identity, held);
  }
}
