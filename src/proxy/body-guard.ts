// Cuts a request body that dribbles: a pause between chunks longer than
// server.bodyIdleTimeoutMs, or (once server.minBodyRateGraceMs has passed) an average rate
// below server.minBodyBytesPerSecond (Kestrel's MinRequestBodyDataRate: 240 bytes/s after a
// 5 s grace). Without it a body sent at 1 byte/s holds its request, and the app connection
// behind it, until server.requestTimeoutMs (minutes).
//
// Time the sidecar itself is not reading (its buffer for the body is full because the app is
// slow to take it) is not held against the peer. Progress is the socket's plaintext byte
// count, so whatever the framing (Content-Length or chunked) only bytes received count.
//
// One sweep timer per listener, not a timer per request: a check every 250 ms costs nothing
// next to a request, and a cut lands at most that late.
import type { IncomingMessage } from 'node:http';

export interface BodyLimits {
  readonly bodyIdleTimeoutMs: number;
  readonly minBodyBytesPerSecond: number;
  readonly minBodyRateGraceMs: number;
}

const SWEEP_MS = 250;

interface Watched {
  readonly req: IncomingMessage;
  readonly limits: BodyLimits;
  readonly onCut: (detail: string) => void;
  readonly startBytes: number;
  lastBytes: number;
  lastProgressAt: number;
  lastCheckAt: number;
  /** Time the peer had to send, excluding time the sidecar was not reading. */
  activeMs: number;
}

export class BodyGuard {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;

  /** Watch `req` until its body ends; `onCut` runs once if the peer is too slow. Returns a function that stops watching. */
  watch(req: IncomingMessage, limits: BodyLimits, onCut: (detail: string) => void): () => void {
    // Nothing to dribble: no entry. An entry holds the request, and through onCut the whole
    // request handler, until the next sweep notices the end; for every GET that meant up to
    // 250 ms of requests kept alive at full rate, surviving young-generation collections
    // into the old one (longer scavenges, then mark-compacts: the open loop's p99).
    if (req.complete || !hasBody(req)) return noop;
    const now = performance.now();
    const bytes = req.socket.bytesRead;
    const entry: Watched = { req, limits, onCut, startBytes: bytes, lastBytes: bytes, lastProgressAt: now, lastCheckAt: now, activeMs: 0 };
    this.watched.add(entry);
    this.timer ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
    return () => this.stop(entry);
  }

  /** Requests being watched now. */
  get size(): number {
    return this.watched.size;
  }

  close(): void {
    this.watched.clear();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private stop(entry: Watched): void {
    this.watched.delete(entry);
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private sweep(): void {
    const now = performance.now();
    for (const entry of this.watched) {
      const { req, limits } = entry;
      if (req.complete || req.destroyed || req.socket === null) {
        this.stop(entry);
        continue;
      }
      const bytes = req.socket.bytesRead;
      // Data waiting in our buffer, or a socket we paused: the sidecar is the slow one.
      const backpressured = req.readableLength > 0 || req.socket.isPaused();
      if (bytes > entry.lastBytes || backpressured) entry.lastProgressAt = now;
      if (!backpressured) entry.activeMs += now - entry.lastCheckAt;
      entry.lastBytes = bytes;
      entry.lastCheckAt = now;
      const idleMs = now - entry.lastProgressAt;
      let detail: string | undefined;
      if (idleMs >= limits.bodyIdleTimeoutMs) {
        detail = `no body bytes for ${Math.round(idleMs)} ms (server.bodyIdleTimeoutMs ${limits.bodyIdleTimeoutMs})`;
      } else if (limits.minBodyBytesPerSecond > 0 && entry.activeMs >= limits.minBodyRateGraceMs) {
        const rate = ((bytes - entry.startBytes) * 1000) / entry.activeMs;
        if (rate < limits.minBodyBytesPerSecond) {
          detail = `body arriving at ${rate.toFixed(1)} bytes/s (server.minBodyBytesPerSecond ${limits.minBodyBytesPerSecond})`;
        }
      }
      if (detail !== undefined) {
        this.stop(entry);
        entry.onCut(detail);
      }
    }
  }
}

// RFC 9112 section 6.3: a request's body is framed by Transfer-Encoding or Content-Length
// only; without either it has none (never read-until-close, unlike a response), and Node's
// parser reads whatever follows as the next request, which headersTimeout then guards.
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function noop(): void {}
