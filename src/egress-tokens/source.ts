// One upstream's access token: fetched with the client credentials grant over mTLS, cached,
// refreshed in the background before it expires, and replaced at once when the upstream says
// it is no longer valid. Every caller shares one fetch at a time (single flight).
//
//   - a cached token is used until its expiry, even while the token endpoint is down;
//   - the background refresh starts `refreshBeforeMs` (default 20% of the lifetime) before
//     expiry and keeps retrying (at most every second) until it gets one;
//   - with no usable token and a fetch that just failed, callers are told at once (no queue
//     of requests each waiting for a dead endpoint); the background retry brings it back.
//
// The token itself never leaves this object except to be attached to a request: the events
// it reports carry results and error codes, never the token.
import type { EgressTokenConfig } from '../config/egress-token-schema.js';
import { requestToken, type TokenRequest, type TokenResult } from '../tokens/client-credentials.js';

export interface TokenSourceEvents {
  fetched(result: 'success' | 'failure', detail: string | undefined): void;
  /** Expiry (seconds since the epoch) of the token now cached. */
  expiry(expiresAtSeconds: number): void;
}

export interface TokenSourceSettings {
  readonly config: EgressTokenConfig;
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  readonly ca: string | Buffer;
  readonly clientId: string | undefined;
}

export type TokenLookup = { ok: true; token: string } | { ok: false; detail: string };

interface Cached {
  readonly token: string;
  readonly expiresAt: number;
  readonly refreshAt: number;
}

/** A token this close to its expiry is not sent: it could expire on the way. */
const EXPIRY_MARGIN_MS = 500;
const RETRY_MS = 1_000;

export class EgressTokenSource {
  private cached: Cached | undefined;
  private inflight: Promise<TokenResult> | undefined;
  private lastFailure: { at: number; detail: string } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private started = false;

  constructor(
    readonly settings: TokenSourceSettings,
    private readonly events: TokenSourceEvents,
    private readonly fetcher: (request: TokenRequest) => Promise<TokenResult> = requestToken,
    private readonly now: () => number = Date.now,
  ) {}

  /** Settings that, unchanged across a reload, let the source (and its token) carry over. */
  static settingsKey(settings: TokenSourceSettings): string {
    return JSON.stringify([settings.config, String(settings.cert), String(settings.key), String(settings.ca), settings.clientId]);
  }

  /** Fetch the first token in the background; once per source (one kept over a reload goes on as it was). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.fetch();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The token to attach now. */
  async current(): Promise<TokenLookup> {
    const usable = this.usable();
    if (usable) return { ok: true, token: usable.token };
    if (this.inflight === undefined && this.lastFailure && this.now() - this.lastFailure.at < RETRY_MS) return { ok: false, detail: `token endpoint failed: ${this.lastFailure.detail}` };
    const result = await this.fetch();
    const after = this.usable();
    if (after) return { ok: true, token: after.token };
    return { ok: false, detail: result.ok ? 'the token endpoint answered with a token that is already expiring' : `token endpoint failed: ${result.error}: ${result.detail}` };
  }

  /**
   * The upstream refused `stale` as invalid: drop it and get a new one. Concurrent callers
   * holding the same stale token share one fetch; a caller whose token was already replaced
   * gets the replacement without another fetch.
   */
  async replace(stale: string): Promise<TokenLookup> {
    if (this.cached?.token === stale) {
      this.cached = undefined;
      this.lastFailure = undefined;
    }
    return this.current();
  }

  private usable(): Cached | undefined {
    const cached = this.cached;
    if (!cached) return undefined;
    if (cached.expiresAt - EXPIRY_MARGIN_MS <= this.now()) return undefined;
    return cached;
  }

  private fetch(): Promise<TokenResult> {
    if (this.inflight) return this.inflight;
    const config = this.settings.config;
    this.inflight = this.fetcher({
      tokenUrl: config.tokenUrl,
      cert: this.settings.cert,
      key: this.settings.key,
      ca: this.settings.ca,
      ...(this.settings.clientId ? { clientId: this.settings.clientId } : {}),
      ...(config.scope !== undefined ? { scope: config.scope } : {}),
      ...(config.audience !== undefined ? { audience: config.audience } : {}),
      timeoutMs: config.timeoutMs,
    })
      .then((result) => {
        if (result.ok) {
          const lifetime = result.token.lifetimeMs;
          const before = config.refreshBeforeMs ?? Math.floor(lifetime * 0.2);
          // Never sooner than min(1 s, half the lifetime) from now: a refreshBeforeMs longer
          // than the lifetime must not turn into a fetch loop.
          const earliest = this.now() + Math.min(RETRY_MS, lifetime / 2);
          this.cached = { token: result.token.accessToken, expiresAt: result.token.expiresAt, refreshAt: Math.max(result.token.expiresAt - before, earliest) };
          this.lastFailure = undefined;
          this.events.fetched('success', undefined);
          this.events.expiry(Math.floor(result.token.expiresAt / 1000));
        } else {
          this.lastFailure = { at: this.now(), detail: `${result.error}: ${result.detail}` };
          this.events.fetched('failure', `${result.error}${result.status ? ` (HTTP ${result.status})` : ''}: ${result.detail}`);
        }
        return result;
      })
      .finally(() => {
        this.inflight = undefined;
        this.schedule();
      });
    return this.inflight;
  }

  /** Next background fetch: at refreshAt, or in a second while there is no fresh token. */
  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    const now = this.now();
    const at = this.cached && !this.lastFailure ? this.cached.refreshAt : now + RETRY_MS;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.fetch();
    }, Math.max(0, at - now));
    this.timer.unref();
  }
}
