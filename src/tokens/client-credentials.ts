// An OAuth 2.0 client credentials request (RFC 6749 §4.4) authenticated by mutual TLS
// (RFC 8705 §2, tls_client_auth): the service's own certificate and key, the token server
// verified against a given trust bundle only, no redirects, a timeout and a size limit.
//
// Relied-on fields of the answer (RFC 6749 §5.1): `access_token` (required), `token_type`
// (must be Bearer, case-insensitive), `expires_in` (seconds; without it the JWT's `exp` is
// used, and a token with neither is refused: a credential must expire). `scope` is read when
// present. Sent: grant_type, client_id (the certificate's SPIFFE ID, when it has one), scope,
// and `resource` (RFC 8707) for the audience.
import { request, Agent } from 'node:https';
import { decodeJwt } from 'jose';

export interface TokenRequest {
  readonly tokenUrl: string;
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  readonly ca: string | Buffer;
  readonly clientId?: string;
  readonly scope?: string;
  readonly audience?: string;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

export interface TokenAnswer {
  readonly accessToken: string;
  /** ms since the epoch. */
  readonly expiresAt: number;
  readonly lifetimeMs: number;
  readonly scope: string | undefined;
  /** The whole JSON answer (for `palisade token get --format json`). */
  readonly raw: Record<string, unknown>;
}

export type TokenResult = { ok: true; token: TokenAnswer } | { ok: false; status?: number; error: string; detail: string };

const MAX_BYTES = 65_536;

export function requestToken(options: TokenRequest, now: () => number = Date.now): Promise<TokenResult> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (options.clientId) form.set('client_id', options.clientId);
  if (options.scope !== undefined && options.scope !== '') form.set('scope', options.scope);
  if (options.audience !== undefined && options.audience !== '') form.set('resource', options.audience);
  const body = form.toString();
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? MAX_BYTES;
  return new Promise((resolve) => {
    const agent = new Agent({ cert: options.cert, key: options.key, ca: options.ca, keepAlive: false, maxCachedSessions: 0 });
    let settled = false;
    const finish = (result: TokenResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      agent.destroy();
      resolve(result);
    };
    const started = now();
    const req = request(
      options.tokenUrl,
      { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy();
            finish({ ok: false, status: res.statusCode, error: 'response_too_large', detail: `answer larger than ${maxBytes} bytes` });
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (error) => finish({ ok: false, error: 'network', detail: error.message }));
        res.on('end', () => {
          let json: Record<string, unknown>;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          } catch {
            finish({ ok: false, status: res.statusCode, error: 'invalid_response', detail: `HTTP ${res.statusCode ?? '?'}, not JSON` });
            return;
          }
          if (res.statusCode !== 200) {
            const error = typeof json['error'] === 'string' ? (json['error'] as string).slice(0, 64) : 'http_error';
            const description = typeof json['error_description'] === 'string' ? (json['error_description'] as string).slice(0, 256) : `HTTP ${res.statusCode ?? '?'}`;
            finish({ ok: false, status: res.statusCode, error, detail: description });
            return;
          }
          finish(parseAnswer(json, started));
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, error: 'timeout', detail: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    timer.unref();
    req.on('error', (error: Error & { code?: string }) => finish({ ok: false, error: 'network', detail: error.code ?? error.message }));
    req.end(body);
  });
}

function parseAnswer(json: Record<string, unknown>, started: number): TokenResult {
  const token = json['access_token'];
  if (typeof token !== 'string' || token === '' || !/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) return { ok: false, status: 200, error: 'invalid_response', detail: 'no usable access_token' };
  if (typeof json['token_type'] !== 'string' || (json['token_type'] as string).toLowerCase() !== 'bearer') return { ok: false, status: 200, error: 'invalid_response', detail: 'token_type is not Bearer' };
  let expiresAt: number | undefined;
  const expiresIn = json['expires_in'];
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0) expiresAt = started + expiresIn * 1000;
  if (expiresAt === undefined) {
    try {
      const exp = decodeJwt(token).exp;
      if (typeof exp === 'number') expiresAt = exp * 1000;
    } catch {
      // Not a JWT: only expires_in can say how long it lives.
    }
  }
  if (expiresAt === undefined || expiresAt <= started) return { ok: false, status: 200, error: 'invalid_response', detail: 'the token has no expiry (expires_in or exp)' };
  return { ok: true, token: { accessToken: token, expiresAt, lifetimeMs: expiresAt - started, scope: typeof json['scope'] === 'string' ? (json['scope'] as string) : undefined, raw: json } };
}
