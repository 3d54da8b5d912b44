// The one place a denial (or a forwarding failure) becomes an HTTP response: status, JSON body
// and headers. No secrets and no stack traces ever reach the peer.
import { REASONS, type ReasonCode } from '../core/reasons.js';
import type { BearerChallenge, Finding } from '../core/findings.js';

export interface DenialResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** RFC 6750 §3: `Bearer error="…", scope="…"`; values are scope tokens or fixed codes, quoted defensively. */
export function bearerChallenge(challenge: BearerChallenge): string {
  const quote = (value: string) => `"${value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '')}"`;
  const params = [...(challenge.error ? [`error=${quote(challenge.error)}`] : []), ...(challenge.scope !== undefined ? [`scope=${quote(challenge.scope)}`] : [])];
  return params.length > 0 ? `Bearer ${params.join(', ')}` : 'Bearer';
}

/** `finding`: the deny finding that decided it, when one did (its `bearer` challenge becomes WWW-Authenticate). */
export function denialResponse(reason: ReasonCode, requestId: string, finding?: Finding): DenialResponse {
  const info = REASONS[reason];
  const body = JSON.stringify({ error: info.error, reason, request_id: requestId });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-request-id': requestId,
  };
  if (finding?.bearer && finding.reason === reason) headers['www-authenticate'] = bearerChallenge(finding.bearer);
  // RFC 9421 §5: what signature the sidecar expects.
  if (finding?.acceptSignature && finding.reason === reason && reason === 'signature_missing') headers['accept-signature'] = finding.acceptSignature;
  // The deciding finding knows best when a retry can succeed (a bucket's next token); else the reason's fixed value.
  const retryAfter = finding?.retryAfterSeconds !== undefined && finding.reason === reason ? Math.max(1, Math.ceil(finding.retryAfterSeconds)) : (info as { retryAfterSeconds?: number }).retryAfterSeconds;
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  // The rest of an oversized body was never read: do not try to reuse the connection.
  if (reason === 'body_too_large') headers['connection'] = 'close';
  return { status: info.status, headers, body };
}
