// A dispatcher around an upstream's pool that handles "your token is no longer valid" once:
// when the upstream answers 401 with `Bearer error="invalid_token"` (a key was withdrawn, the
// token was revoked), the token source replaces the token (one fetch shared by every request
// that saw the same token) and, when that is safe (canRetry), the request is sent again with
// the new one. The first 401 is held (bounded) meanwhile: if no new token can be had, that
// 401 goes to the app as the upstream sent it, so the app sees the real reason. Not safe to
// retry: the 401 goes to the app at once, and the token is still dropped, so the next request
// carries a new one. A second 401 is passed on as it is.
import type { Dispatcher, Pool } from 'undici';
import { canRetry, isInvalidTokenAnswer } from './attach.js';
import type { EgressTokenSource } from './source.js';

/** Thrown when a replacement token cannot be had and the 401 was too large to hold; mapped to token_unavailable. */
export class TokenUnavailableError extends Error {
  readonly code = 'ERR_PALISADE_TOKEN_UNAVAILABLE';
}

/** A refusal body larger than this is not held for the app (it is dropped and the app gets token_unavailable). */
const MAX_HELD_BYTES = 65_536;

/** undici's classic handler callbacks, as forward.ts's Exchange implements them. */
interface Handler {
  onConnect(abort: (error?: Error) => void): void;
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: Buffer[] | null): void;
  onError(error: Error): void;
}

/** Only a 401 is looked at: its WWW-Authenticate, from the raw header list. */
function challengeOf(rawHeaders: readonly Buffer[]): Record<string, string[]> {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as Buffer).toString('latin1').toLowerCase() === 'www-authenticate') values.push((rawHeaders[i + 1] as Buffer).toString('latin1'));
  }
  return { 'www-authenticate': values };
}

/** Passes every callback on; the attempts below override what they watch. */
class Relay implements Handler {
  constructor(protected readonly inner: Handler) {}
  onConnect(abort: (error?: Error) => void): void {
    this.inner.onConnect(abort);
  }
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    return this.inner.onHeaders(statusCode, rawHeaders, resume, statusText);
  }
  onData(chunk: Buffer): boolean {
    return this.inner.onData(chunk);
  }
  onComplete(trailers: Buffer[] | null): void {
    this.inner.onComplete(trailers);
  }
  onError(error: Error): void {
    this.inner.onError(error);
  }
}

/** The second attempt: a second 401 is passed on as it is, and that token dropped too. */
class SecondAttempt extends Relay {
  constructor(inner: Handler, private readonly source: EgressTokenSource, private readonly token: string) {
    super(inner);
  }
  override onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode === 401 && isInvalidTokenAnswer(statusCode, challengeOf(rawHeaders))) void this.source.replace(this.token);
    return super.onHeaders(statusCode, rawHeaders, resume, statusText);
  }
}

type HeadersFor = (token: string, sent: readonly string[], body: Buffer | null) => string[];

/** The first attempt: an invalid_token 401 on a request that can be sent again is held, not passed on. */
class FirstAttempt extends Relay {
  private held: { statusCode: number; rawHeaders: Buffer[]; statusText: string; chunks: Buffer[]; size: number; overflow: boolean } | undefined;

  constructor(
    inner: Handler,
    private readonly pool: Pool,
    private readonly source: EgressTokenSource,
    private readonly token: string,
    private readonly method: string,
    private readonly options: Dispatcher.DispatchOptions,
    private readonly headersFor: HeadersFor,
  ) {
    super(inner);
  }

  override onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode === 401 && isInvalidTokenAnswer(statusCode, challengeOf(rawHeaders))) {
      if (canRetry(this.method, (this.options.body ?? null) as Buffer | null)) {
        this.held = { statusCode, rawHeaders, statusText, chunks: [], size: 0, overflow: false };
        return true;
      }
      void this.source.replace(this.token);
    }
    return super.onHeaders(statusCode, rawHeaders, resume, statusText);
  }

  override onData(chunk: Buffer): boolean {
    const held = this.held;
    if (!held) return super.onData(chunk);
    held.size += chunk.length;
    if (held.size > MAX_HELD_BYTES) held.overflow = true;
    else held.chunks.push(chunk);
    return true;
  }

  override onComplete(trailers: Buffer[] | null): void {
    if (!this.held) {
      super.onComplete(trailers);
      return;
    }
    this.retry(this.held).catch((error: unknown) => this.inner.onError(error as Error));
  }

  private async retry(held: NonNullable<FirstAttempt['held']>): Promise<void> {
    const renewed = await this.source.replace(this.token);
    if (renewed.ok) {
      const body = (this.options.body ?? null) as Buffer | null;
      this.pool.dispatch({ ...this.options, headers: this.headersFor(renewed.token, this.options.headers as string[], body) }, new SecondAttempt(this.inner, this.source, renewed.token) as Dispatcher.DispatchHandler);
      return;
    }
    if (held.overflow) {
      this.inner.onError(new TokenUnavailableError(`after invalid_token: ${renewed.detail}`));
      return;
    }
    // Pass the upstream's own refusal on: it names the reason (revoked, key withdrawn). The
    // request may have been given up while the token was being replaced: then say so instead.
    let givenUp: Error | undefined;
    this.inner.onConnect((error) => (givenUp = error ?? new Error('aborted')));
    if (givenUp) {
      this.inner.onError(givenUp);
      return;
    }
    this.inner.onHeaders(held.statusCode, held.rawHeaders, noop, held.statusText);
    this.inner.onData(Buffer.concat(held.chunks));
    this.inner.onComplete(null);
  }
}

function noop(): void {}

/**
 * `headersFor(token, sent, body)`: the complete header list to send with a new token, from the
 * list first sent (bearer replaced, and re-signed when the listener signs requests).
 */
export function retryOnInvalidToken(pool: Pool, source: EgressTokenSource, token: string, method: string, headersFor: HeadersFor): Pick<Dispatcher, 'dispatch'> {
  return {
    dispatch: (options, handler) => pool.dispatch(options, new FirstAttempt(handler as unknown as Handler, pool, source, token, method, options, headersFor) as Dispatcher.DispatchHandler),
  };
}
