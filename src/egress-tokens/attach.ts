// What the egress listener does with an upstream's token, as small pure helpers: replace the
// app's Authorization with the sidecar's bearer token (the app never holds the credential),
// recognise the upstream's "this token is no longer valid" answer (RFC 6750 §3.1), and decide
// whether a request can be sent a second time.
import type { IncomingMessage } from 'node:http';

/** RFC 9110 §9.2.2 idempotent methods. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** undici's flat [name, value, ...] headers with any Authorization dropped and the bearer token added. */
export function withBearer(headers: readonly string[], token: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if ((headers[i] as string).toLowerCase() !== 'authorization') out.push(headers[i] as string, headers[i + 1] as string);
  }
  out.push('authorization', `Bearer ${token}`);
  return out;
}

/** A 401 whose challenge says `Bearer error="invalid_token"`: drop the token and get another. */
export function isInvalidTokenAnswer(status: number, headers: Record<string, string | string[] | undefined>): boolean {
  if (status !== 401) return false;
  const value = headers['www-authenticate'];
  const challenges = Array.isArray(value) ? value.join(', ') : (value ?? '');
  return /(^|[\s,])Bearer\b[^]*?\berror\s*=\s*"?invalid_token"?/i.test(challenges);
}

/**
 * Safe to send again: the whole request is still in hand (no body, or a body buffered here)
 * and either the method is idempotent or the body was buffered (a 401 means the upstream
 * refused it before acting; a body we hold is sent byte for byte again).
 */
export function canRetry(method: string, body: IncomingMessage | Buffer | null): boolean {
  if (body === null) return IDEMPOTENT.has(method);
  return Buffer.isBuffer(body);
}

/** A body small enough to buffer for a possible retry: its declared length is within the limit. */
export function shouldBuffer(req: IncomingMessage, limit: number): boolean {
  const declared = Number(req.headers['content-length']);
  return req.headers['transfer-encoding'] === undefined && Number.isFinite(declared) && declared > 0 && declared <= limit;
}
