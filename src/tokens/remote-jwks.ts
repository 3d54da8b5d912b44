// A remote JWKS endpoint: https with its own trust bundle, a timeout, a size limit, a cache and
// a cooldown. Nothing in a token decides where we fetch from: the URL is configuration.
//
//   - keys younger than cacheMs are used as they are;
//   - older keys are refreshed (the request waits, bounded by timeoutMs); if the endpoint is
//     down the old keys keep working (a failed fetch never drops keys);
//   - an unknown kid triggers a refetch only if none was attempted in the last cooldownMs, so a
//     flood of made-up kids costs the issuer at most one request per cooldown;
//   - concurrent callers share one fetch.
import { fetchBounded } from './bounded-fetch.js';
import type { RemoteJwksConfig } from '../config/tokens-schema.js';
import { KeySet, parseJwks } from '../core/jwks.js';

export type FetchJwks = (config: RemoteJwksConfig, ca: string) => Promise<string>;

/** GET the JWKS over https, verifying the server against `ca` only. No redirects are followed. */
export const fetchJwks: FetchJwks = (config, ca) =>
  fetchBounded({ url: config.url, timeoutMs: config.timeoutMs, maxBytes: config.maxBytes, accept: 'application/jwk-set+json, application/json' }, ca);

export class RemoteJwks {
  private keys: KeySet | undefined;
  private fetchedAt = 0;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private started = false;
  /** The last fetch error, for the audit detail; never holds a secret. */
  lastError: string | undefined;

  constructor(
    readonly config: RemoteJwksConfig,
    readonly ca: string,
    private readonly fetcher: FetchJwks = fetchJwks,
    private readonly now: () => number = Date.now,
  ) {}

  /** A comparable description of the settings: a reload with the same ones keeps this store (and its keys). */
  static settingsKey(config: RemoteJwksConfig, ca: string): string {
    return JSON.stringify([config, ca]);
  }

  get loaded(): boolean {
    return this.keys !== undefined;
  }

  /** Start the first fetch without waiting for it; once per store (a store kept over a reload is not refetched). */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.refresh();
  }

  /** Current keys: refreshed when older than cacheMs (at most once per cooldown), stale ones kept if that fails. */
  async current(): Promise<KeySet | undefined> {
    if (this.inflight) await this.inflight;
    if (this.keys && this.now() - this.fetchedAt < this.config.cacheMs) return this.keys;
    if (this.coolingDown()) return this.keys;
    await this.refresh();
    return this.keys;
  }

  /**
   * The keys `current()` would answer without waiting (no fetch in flight, younger than cacheMs),
   * else undefined: the caller then awaits `current()`. Lets a request skip a promise when the
   * answer is already known.
   */
  fresh(): KeySet | undefined {
    if (this.inflight || !this.keys || this.now() - this.fetchedAt >= this.config.cacheMs) return undefined;
    return this.keys;
  }

  /** A token named a kid we do not have: refetch unless a fetch was attempted within the cooldown. */
  async refreshForUnknownKid(): Promise<KeySet | undefined> {
    if (this.inflight) {
      await this.inflight;
      return this.keys;
    }
    if (this.coolingDown()) return this.keys;
    await this.refresh();
    return this.keys;
  }

  private coolingDown(): boolean {
    return this.now() - this.lastAttempt < this.config.cooldownMs;
  }

  private refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.lastAttempt = this.now();
    this.inflight = this.fetcher(this.config, this.ca)
      .then((text) => {
        this.keys = new KeySet(parseJwks(text));
        this.fetchedAt = this.now();
        this.lastError = undefined;
      })
      .catch((error: unknown) => {
        this.lastError = (error as Error).message;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}
