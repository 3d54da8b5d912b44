// A dispatcher around an upstream's pool that handles "your token is no longer valid" once:
// when the upstream answers 401 with `Bearer error="invalid_token"` (a key was withdrawn, the
// token was revoked), the token source replaces the token (one fetch shared by every request
// that saw the same token) and, when that is safe (canRetry), the request is sent again with
// the new one. The first 401 is held (bounded) meanwhile: if no new token can be had, that
// 401 goes to the app as the upstream sent it, so the app sees the real reason. Not safe to
// retry: the 401 goes to the app at once, and the token is still dropped, so the next request
// carries a new one. A second 401 is passed on as it is.
import { Writable } from 'node:stream';
import type { Dispatcher, Pool } from 'undici';
import { canRetry, isInvalidTokenAnswer } from './attach.js';
import type { EgressTokenSource } from './source.js';

export type StreamDispatcher = Pick<Pool, 'stream'>;

/** Thrown when a replacement token cannot be had and the 401 was too large to hold; mapped to token_unavailable. */
export class TokenUnavailableError extends Error {
  readonly code = 'ERR_PALISADE_TOKEN_UNAVAILABLE';
}

/** A refusal body larger than this is not held for the app (it is dropped and the app gets token_unavailable). */
const MAX_HELD_BYTES = 65_536;

class HeldAnswer extends Writable {
  readonly chunks: Buffer[] = [];
  size = 0;
  overflow = false;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.size += chunk.length;
    if (this.size > MAX_HELD_BYTES) this.overflow = true;
    else this.chunks.push(chunk);
    callback();
  }
}

/**
 * `headersFor(token, sent, body)`: the complete header list to send with a new token, from the
 * list first sent (bearer replaced, and re-signed when the listener signs requests).
 */
export function retryOnInvalidToken(pool: Pool, source: EgressTokenSource, token: string, method: string, headersFor: (token: string, sent: readonly string[], body: Buffer | null) => string[]): StreamDispatcher {
  const stream = async (options: Dispatcher.RequestOptions, factory: Dispatcher.StreamFactory): Promise<Dispatcher.StreamData> => {
    let held: { data: Dispatcher.StreamFactoryData; sink: HeldAnswer } | undefined;
    const first = await pool.stream(options, (data) => {
      if (isInvalidTokenAnswer(data.statusCode, data.headers)) {
        if (canRetry(method, (options.body ?? null) as Buffer | null)) {
          held = { data, sink: new HeldAnswer() };
          return held.sink;
        }
        void source.replace(token);
      }
      return factory(data);
    });
    if (!held) return first;
    const renewed = await source.replace(token);
    if (!renewed.ok) {
      if (held.sink.overflow) throw new TokenUnavailableError(`after invalid_token: ${renewed.detail}`);
      // Pass the upstream's own refusal on: it names the reason (revoked, key withdrawn).
      const target = factory(held.data);
      await new Promise<void>((resolve, reject) => {
        target.once('error', reject);
        target.end(Buffer.concat(held?.sink.chunks ?? []), () => resolve());
      });
      return first;
    }
    return pool.stream({ ...options, headers: headersFor(renewed.token, options.headers as string[], (options.body ?? null) as Buffer | null) }, (data) => {
      if (isInvalidTokenAnswer(data.statusCode, data.headers)) void source.replace(renewed.token);
      return factory(data);
    });
  };
  return { stream: stream as Pool['stream'] };
}
