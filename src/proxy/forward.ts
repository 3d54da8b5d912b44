// Forwarding one request over a keep-alive pool and streaming the answer into the response,
// for both listeners (inbound: to the local app; egress: to an upstream over verified mTLS):
// admission to the pool, the dispatch, the response streamed with backpressure, the peer
// leaving, the sidecar cutting a request, an upstream failing before or during its response.
//
// One Exchange object per request is at once undici's dispatch handler, the request's
// cancellation (admission.ts waits on it) and the record of how far the response got. There
// is no AbortController: measured, an AbortController and its EventTarget listeners per
// request were the largest single piece of the sidecar's own CPU per request. undici hands
// the handler an abort callback (onConnect) instead; the listener learns that the peer left
// from one 'close' listener per socket (Connections in listener-common.ts), and the sidecar's
// cuts (body guard, requestTimeout) call cancel() directly.
//
// The handler uses undici's classic callbacks (onConnect/onHeaders/onData/onComplete/onError),
// which undici dispatches without wrapping; the newer controller API would add two objects
// and a parsed header object per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import type { ReasonCode } from '../core/reasons.js';
import type { Admission, AdmissionRefusal, Cancellation } from './admission.js';
import { downstreamRawHeaders } from './headers.js';

/** What went wrong talking to the upstream, as a reason code and the error code for the audit log. */
export interface ForwardFailure {
  readonly reason: ReasonCode | 'client_disconnected';
  readonly detail: string;
}

/** Maps an undici error to a failure: the inbound and egress listeners each bring theirs (upstream.ts, egress-pool.ts). */
export type Classify = (error: unknown) => ForwardFailure;

/** A pool, or a wrapper around one (the egress token retry): anything undici can dispatch on. */
export interface Dispatchable {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
}

/** Who may use the pool now, and the pool (or a wrapper around it). A listener's state has this shape. */
export interface ForwardTarget {
  readonly admission: Admission;
  readonly pool: Dispatchable;
}

export interface ForwardRequest {
  readonly method: string;
  readonly path: string;
  /** undici's flat [name, value, ...] list. */
  readonly headers: readonly string[];
  /** A body read here (Buffer), the peer's body streamed as it arrives, or none. */
  readonly body: Buffer | IncomingMessage | null;
}

export type ForwardOutcome =
  /** The upstream's whole response was handed to the peer's connection. */
  | { readonly kind: 'complete'; readonly status: number; readonly upstreamSeconds: number }
  /** Admission refused (overload): nothing was sent; the listener answers. */
  | { readonly kind: 'refused'; readonly reason: AdmissionRefusal; readonly detail: string }
  /**
   * The peer went away, or the sidecar cut the request: while queued for the pool, before the
   * response headers (`status` 0), or during the response (`status` set, the response cut off).
   */
  | { readonly kind: 'gone'; readonly stage: 'queued' | 'before_response' | 'during_response'; readonly status: number; readonly upstreamSeconds?: number; readonly detail: string }
  /** The upstream failed before its response headers: nothing was written; the listener answers. */
  | { readonly kind: 'failed'; readonly reason: ReasonCode; readonly detail: string; readonly upstreamSeconds: number }
  /** The upstream failed after its headers: the response was cut off and the peer's connection closed (a truncated response must not look complete). */
  | { readonly kind: 'cut_off'; readonly status: number; readonly reason: 'upstream_timeout' | 'upstream_unavailable'; readonly detail: string; readonly upstreamSeconds: number };

/** The connections of a listener: whether it drains, and who to tell when a socket closes. */
export interface ClientSockets {
  readonly draining: boolean;
  /** Call `exchange.cancel()` if `socket` closes before `unwatch` (at once if it already has). */
  watch(socket: Socket, exchange: Exchange): void;
  unwatch(socket: Socket, exchange: Exchange): void;
}

/** Passed to undici's abort callback: one object, no stack captured per cancellation. */
const GIVEN_UP = Object.assign(new Error('the request was given up: the peer left or the sidecar cut it'), { name: 'AbortError', code: 'UND_ERR_ABORTED' });

/** undefined: the response completed; else the error, and whether the peer had already left when it came. */
type Settled = { readonly error: unknown; readonly peerGone: boolean } | undefined;

export class Exchange implements Cancellation {
  /** 0 until the upstream's response headers were written to the peer. */
  status = 0;
  private cancelled = false;
  /** The admission queue's listener while queued. */
  private onGivenUp: (() => void) | undefined;
  /** undici's abort for the request in flight; undefined before dispatch and once settled. */
  private abortUpstream: ((error?: Error) => void) | undefined;
  private resume: (() => void) | undefined;
  private settle: ((settled: Settled) => void) | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly socket: Socket,
    private readonly sockets: ClientSockets,
    private readonly classify: Classify,
  ) {}

  /** The peer left or the sidecar cut the request: leave the admission queue, or abort the upstream request. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const listener = this.onGivenUp;
    this.onGivenUp = undefined;
    listener?.();
    this.abortUpstream?.(GIVEN_UP);
  }

  get aborted(): boolean {
    return this.cancelled;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    this.onGivenUp = listener;
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.onGivenUp === listener) this.onGivenUp = undefined;
  }

  /**
   * Admit, send, stream the answer into the response. Never throws for what the upstream or
   * the peer did: every way it can end is an outcome. `identity`: the admission share's key.
   */
  async forward(target: ForwardTarget, identity: string, request: ForwardRequest): Promise<ForwardOutcome> {
    this.sockets.watch(this.socket, this);
    try {
      const admitted = await target.admission.admit(identity, this);
      if (!admitted.ok) {
        if (admitted.reason === 'aborted') return { kind: 'gone', stage: 'queued', status: 0, detail: 'closed the connection while queued' };
        return { kind: 'refused', reason: admitted.reason, detail: admitted.detail };
      }
      const started = performance.now();
      let settled: Settled;
      try {
        settled = this.cancelled ? { error: GIVEN_UP, peerGone: true } : await this.dispatch(target.pool, request);
      } finally {
        admitted.release();
      }
      const upstreamSeconds = (performance.now() - started) / 1000;
      if (settled === undefined) return { kind: 'complete', status: this.status, upstreamSeconds };
      const failure: ForwardFailure = settled.peerGone ? { reason: 'client_disconnected', detail: 'aborted' } : this.classify(settled.error);
      if (failure.reason === 'client_disconnected') {
        // Not cancelled by us (no 408 under way): the connection is of no further use.
        if (!this.cancelled) this.res.destroy();
        return { kind: 'gone', stage: this.status === 0 ? 'before_response' : 'during_response', status: this.status, upstreamSeconds, detail: failure.detail };
      }
      if (this.status !== 0) return { kind: 'cut_off', status: this.status, reason: failure.reason === 'upstream_timeout' ? 'upstream_timeout' : 'upstream_unavailable', detail: failure.detail, upstreamSeconds };
      return { kind: 'failed', reason: failure.reason, detail: failure.detail, upstreamSeconds };
    } finally {
      this.sockets.unwatch(this.socket, this);
    }
  }

  private dispatch(dispatcher: Dispatchable, request: ForwardRequest): Promise<Settled> {
    return new Promise<Settled>((resolve) => {
      this.settle = resolve;
      dispatcher.dispatch(
        { method: request.method as Dispatcher.HttpMethod, path: request.path, headers: request.headers as string[], body: request.body },
        this as Dispatcher.DispatchHandler,
      );
    });
  }

  // undici's handler callbacks.

  onConnect(abort: (error?: Error) => void): void {
    // Called again when a request is retried (the egress token retry sends it a second time).
    if (this.cancelled) {
      abort(GIVEN_UP);
      return;
    }
    this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx interim responses are not passed on.
    if (statusCode < 200) return true;
    const res = this.res;
    // A drain that began while this request was in flight still ends the connection after it.
    if (this.sockets.draining) res.shouldKeepAlive = false;
    res.writeHead(statusCode, downstreamRawHeaders(rawHeaders));
    this.status = statusCode;
    this.resume = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    // The peer reads slower than the upstream sends: undici pauses until the response drains.
    if (this.resume) this.res.once('drain', this.resume);
    return false;
  }

  onComplete(): void {
    this.abortUpstream = undefined;
    this.res.end();
    this.done(undefined);
  }

  onError(error: Error): void {
    this.abortUpstream = undefined;
    // Read before the response is cut off below, which closes the socket itself.
    const peerGone = this.cancelled || this.socket.destroyed;
    // After the headers the response can only be cut off: close the peer's connection.
    if (this.status !== 0) this.res.destroy();
    this.done({ error, peerGone });
  }

  private done(settled: Settled): void {
    const settle = this.settle;
    this.settle = undefined;
    settle?.(settled);
  }
}
