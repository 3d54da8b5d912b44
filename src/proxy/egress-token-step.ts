// The egress listener's token step, in one call: get the upstream's token (or say why there is
// none), put it in Authorization in place of whatever the app sent, buffer a small body so the
// request can be retried, and hand back the dispatcher that retries once on invalid_token.
import type { IncomingMessage } from 'node:http';
import { RequestBody } from './body-reader.js';
import type { EgressSigner } from './egress-signing.js';
import type { EgressUpstreamState } from './egress-state.js';
import { shouldBuffer, withBearer } from '../egress-tokens/attach.js';
import type { Dispatchable } from './forward.js';
import { retryOnInvalidToken } from '../egress-tokens/retry.js';

export type TokenStep =
  | { readonly ok: true; readonly headers: string[]; readonly body: IncomingMessage | Buffer | null; readonly dispatcher: Dispatchable }
  /** `unavailable`: no valid token (503 token_unavailable); `incomplete`: the app left mid-body. */
  | { readonly ok: false; readonly problem: 'unavailable' | 'incomplete'; readonly detail: string };

export async function attachEgressToken(upstream: EgressUpstreamState, req: IncomingMessage, method: string, path: string, headers: readonly string[], hasBody: boolean, signer: EgressSigner | undefined): Promise<TokenStep> {
  const source = upstream.token;
  const config = upstream.config.token;
  if (!source || !config) throw new Error(`upstream ${upstream.config.name} has no token source`);
  const got = await source.current();
  if (!got.ok) return { ok: false, problem: 'unavailable', detail: got.detail };
  let body: IncomingMessage | Buffer | null = hasBody ? req : null;
  // With signing the signer buffers the body anyway; without it, only small declared bodies are held.
  if (hasBody && !signer && shouldBuffer(req, config.retryBodyBytes)) {
    const read = await new RequestBody(req).read(config.retryBodyBytes, []);
    if (!read.ok) return { ok: false, problem: 'incomplete', detail: read.detail };
    body = read.bytes;
  }
  const authority = new URL(upstream.config.url).host;
  const dispatcher = retryOnInvalidToken(upstream.pool, source, got.token, method, (token, sent, sentBody) => {
    const next = withBearer(sent, token);
    return signer ? signer.signBuffered(method, path, authority, next, sentBody) : next;
  });
  return { ok: true, headers: withBearer(headers, got.token), body, dispatcher };
}
