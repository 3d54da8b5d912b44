// Real mTLS clients: undici for HTTP, node:tls for handshake-level checks.
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { Agent, request } from 'undici';
import type { CertFiles, TestPki } from './pki.js';

export function mtlsAgent(pki: TestPki, who: CertFiles | undefined, extra: Record<string, unknown> = {}): Agent {
  return new Agent({
    connect: { ca: pki.ca.certPem, servername: 'localhost', ...(who ? { cert: who.certPem, key: who.keyPem } : {}), ...extra },
  });
}

export interface SimpleResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

export async function call(
  url: string,
  agent: Agent,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<SimpleResponse> {
  const response = await request(url, { dispatcher: agent, method: (options.method ?? 'GET') as 'GET', headers: options.headers, body: options.body });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
}

export interface HandshakeResult {
  readonly ok: boolean;
  /** The client-side error code when the handshake or the first exchange failed. */
  readonly error?: string;
  /** What the server sent back to a tiny HTTP request, if anything. */
  readonly response?: string;
}

/**
 * Connect with node:tls and send one HTTP request. TLS 1.3 completes the client side of the
 * handshake before the server has judged the client certificate, so a refusal can show up as
 * an alert or a close right after; either way no HTTP response comes back.
 */
export function tryHandshake(port: number, options: ConnectionOptions): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    let response = '';
    let settled = false;
    const done = (result: HandshakeResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => {
      socket.write('GET /public/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    socket.setTimeout(5_000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (chunk: Buffer) => (response += chunk.toString('utf8')));
    socket.on('error', (error: Error & { code?: string }) => done({ ok: false, error: error.code ?? error.message, response }));
    socket.on('close', () => done(response.startsWith('HTTP/1.1') ? { ok: true, response } : { ok: false, error: 'closed without response', response }));
  });
}

/**
 * A TLS 1.2 client connection with a client certificate, resumed from `session` when given (TLS
 * 1.2 resumption skips OpenSSL's chain and date checks: what the reuse tests look at).
 */
export function openTls12(port: number, pki: TestPki, who: CertFiles, session?: Buffer): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.ca.certPem, cert: who.certPem, key: who.keyPem, maxVersion: 'TLSv1.2', session }, () => resolve(socket));
    socket.setTimeout(5_000, () => socket.destroy(new Error('timeout')));
    socket.once('error', reject);
  });
}

/** One keep-alive HTTP/1.1 GET on an open connection; resolves with the status and the body. */
export function keepAliveGet(socket: TLSSocket, path = '/public/x'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: (\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      socket.off('data', onData);
      resolve({ status: Number(buffer.slice(9, 12)), body: buffer.slice(end + 4, end + 4 + length) });
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed; got ${buffer}`)));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  });
}
