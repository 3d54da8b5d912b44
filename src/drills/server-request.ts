// The one HTTPS request a server drill attempt sends, and how its failure is read:
//   the server refused the handshake (a TLS alert, or it closed the connection on us) → refused;
//   we could not reach or verify the server (refused TCP, timeout, its certificate) → error,
//   because a drill that cannot tell who answered must not claim the server resisted.
import { request } from 'node:https';
import type { SecureVersion } from 'node:tls';

export interface OutgoingAttempt {
  /** The allow-listed address to connect to; Host and SNI still name the URL's host. */
  readonly address: string;
  readonly url: URL;
  readonly servername?: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly caPem: string;
  readonly cert?: string;
  readonly key?: string;
  readonly protocol?: 'tls10';
  readonly timeoutMs: number;
}

export type AttemptAnswer = { kind: 'response'; status: number } | { kind: 'refused'; why: string } | { kind: 'error'; why: string };

/** Errors about the server's certificate: ours to fix, not the server's refusal. */
const VERIFY_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME|HOSTNAME/;

/** OpenSSL's reason from a Node error message ("…:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:…"). */
function opensslReason(message: string): string | undefined {
  return /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1];
}

export function classifyError(error: NodeJS.ErrnoException): AttemptAnswer {
  const code = error.code ?? '';
  const reason = opensslReason(error.message);
  const message = reason ?? (error.message.split('\n')[0] ?? '').slice(0, 160);
  if (code.includes('ALERT') || (reason !== undefined && reason.includes('alert'))) return { kind: 'refused', why: `handshake refused: ${message}` };
  if (code === 'ERR_SSL_UNSUPPORTED_PROTOCOL' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') return { kind: 'refused', why: `handshake refused: ${message}` };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { kind: 'refused', why: 'the server closed the connection during the handshake' };
  if (code === 'ERR_SSL_NO_PROTOCOLS_AVAILABLE') return { kind: 'error', why: `this machine's TLS library cannot offer that protocol: ${message}` };
  if (VERIFY_ERRORS.test(code)) return { kind: 'error', why: `could not verify the server's certificate (${code}): check tls.ca and the URL` };
  return { kind: 'error', why: `${code || 'error'}: ${message}` };
}

export function sendAttempt(attempt: OutgoingAttempt): Promise<AttemptAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: AttemptAnswer) => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    const hostIsIp = /^[\d.]+$|:/.test(attempt.url.hostname);
    const req = request({
      host: attempt.address,
      port: Number(attempt.url.port || 443),
      method: attempt.method,
      path: `${attempt.url.pathname}${attempt.url.search}`,
      headers: { host: attempt.url.host, ...attempt.headers, ...(attempt.body !== undefined ? { 'content-length': String(Buffer.byteLength(attempt.body)) } : {}) },
      agent: false,
      ca: attempt.caPem,
      ...(attempt.cert !== undefined && attempt.key !== undefined ? { cert: attempt.cert, key: attempt.key } : {}),
      // The server's identity is checked against the URL's host name even though the socket
      // goes to the allow-listed address.
      ...(attempt.servername ? { servername: attempt.servername } : hostIsIp ? {} : { servername: attempt.url.hostname }),
      ...(attempt.protocol === 'tls10'
        ? { minVersion: 'TLSv1' as SecureVersion, maxVersion: 'TLSv1' as SecureVersion, ciphers: 'DEFAULT@SECLEVEL=0' }
        : {}),
      rejectUnauthorized: true,
      timeout: attempt.timeoutMs,
    });
    req.on('timeout', () => {
      done({ kind: 'error', why: `no answer within ${attempt.timeoutMs} ms` });
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) => done(classifyError(error)));
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => done({ kind: 'response', status: res.statusCode ?? 0 }));
      res.on('error', () => done({ kind: 'response', status: res.statusCode ?? 0 }));
    });
    req.end(attempt.body);
  });
}
