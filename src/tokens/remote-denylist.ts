// A remote denylist: the revoked token ids a token broker publishes (GET /revoked, JSON
// `{"revoked": [{"jti": "...", "exp": 1700000000}, ...]}`), fetched every refreshMs over https
// with its own trust bundle (the system store is not used), no redirects, a timeout and a size
// limit. A failed fetch keeps the last good list; an entry leaves when its token has expired
// anyway. Until a first list has loaded the store is `unavailable`, and tokens are refused
// (fail closed): a sidecar that cannot know what was revoked must not guess "nothing".
//
// A store belongs to the token check's state of one listener: a reload with the same settings
// keeps the store (its list and its timer), and a store the new state no longer uses is closed
// once the new state has been swapped in (src/tokens/runtime.ts).
import { fetchBounded } from './bounded-fetch.js';
import type { RemoteDenylistConfig } from '../config/tokens-schema.js';

const MAX_ENTRIES = 1_000_000;

export function parseRevokedList(text: string): Map<string, number> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error('not JSON');
  }
  const list = (document as { revoked?: unknown } | null)?.revoked;
  if (!Array.isArray(list)) throw new Error('not a revocation list: needs a "revoked" array');
  if (list.length > MAX_ENTRIES) throw new Error(`${list.length} entries; at most ${MAX_ENTRIES}`);
  const out = new Map<string, number>();
  list.forEach((entry: unknown, index) => {
    const jti = (entry as { jti?: unknown } | null)?.jti;
    const exp = (entry as { exp?: unknown } | null)?.exp;
    if (typeof jti !== 'string' || jti === '' || typeof exp !== 'number' || !Number.isFinite(exp)) throw new Error(`revoked[${index}]: needs a string jti and a numeric exp`);
    out.set(jti, exp);
  });
  return out;
}

function fetchText(config: RemoteDenylistConfig, ca: string): Promise<string> {
  return fetchBounded({ url: config.url, timeoutMs: config.timeoutMs, maxBytes: config.maxBytes, accept: 'application/json' }, ca);
}

export class RemoteDenylist {
  private revoked: Map<string, number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private closed = false;
  private started = false;
  /** The last fetch error (never a secret), for the audit detail. */
  lastError: string | undefined;

  constructor(
    readonly config: RemoteDenylistConfig,
    readonly ca: string,
    private readonly now: () => number = Date.now,
  ) {}

  static settingsKey(config: RemoteDenylistConfig, ca: string): string {
    return JSON.stringify([config, ca]);
  }

  /** The first fetch and the refresh timer; once per store (a store kept over a reload goes on as it was). */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.refresh();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** `unavailable`: no list has loaded yet. */
  status(jti: string): 'revoked' | 'not_revoked' | 'unavailable' {
    if (!this.revoked) return 'unavailable';
    const exp = this.revoked.get(jti);
    return exp !== undefined && exp * 1000 > this.now() ? 'revoked' : 'not_revoked';
  }

  /** Fetch now (also what the timer does every refreshMs). */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.inflight = fetchText(this.config, this.ca)
      .then((text) => {
        this.revoked = parseRevokedList(text);
        this.lastError = undefined;
      })
      .catch((error: unknown) => {
        this.lastError = (error as Error).message;
      })
      .finally(() => {
        this.inflight = undefined;
        if (this.closed) return;
        this.timer = setTimeout(() => void this.refresh(), this.config.refreshMs);
        this.timer.unref();
      });
    return this.inflight;
  }
}

/** The file list and the remote list together, as the token check asks them. */
export class Denylist {
  constructor(
    private readonly file: ReadonlySet<string>,
    readonly remote: RemoteDenylist | undefined,
  ) {}

  status(jti: string | undefined): { revoked: false } | { revoked: true; source: 'file' | 'remote' } | { unavailable: string } {
    if (this.remote) {
      if (jti === undefined) return { revoked: false };
      const remote = this.remote.status(jti);
      if (remote === 'unavailable') return { unavailable: `remote denylist never loaded: ${this.remote.lastError ?? 'no answer yet'}` };
      if (remote === 'revoked') return { revoked: true, source: 'remote' };
    }
    if (jti !== undefined && this.file.has(jti)) return { revoked: true, source: 'file' };
    return { revoked: false };
  }
}
