// The one place a denial (or a forwarding failure) becomes an HTTP response: status, JSON body
// and headers. No secrets and no stack traces ever reach the peer.
import { REASONS, type ReasonCode } from './reasons.js';

export interface DenialResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function denialResponse(reason: ReasonCode, requestId: string): DenialResponse {
  const info = REASONS[reason];
  const body = JSON.stringify({ error: info.error, reason, request_id: requestId });
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-request-id': requestId,
  };
  return { status: info.status, headers, body };
}
