// Benchmark child process: a what-if, not a product. What would forwarding cost if node:http's
// server layer (IncomingMessage, ServerResponse, their streams and events) were not in the way?
// A bare TLS server (client certificate required and verified) feeds each connection straight
// into Node's own native HTTP/1.1 request parser (llhttp, the one node:http uses, reached
// through the undocumented `_http_common` module), forwards over the same undici pool as
// bare-proxy.ts with a dispatch handler, and writes each response to the TLS socket as one buffer.
//
//   node dist/bench/raw-proxy.js CERT KEY CA UPSTREAM_PORT [undici|socket]
//
// With `socket` there is no undici either: each client connection gets its own keep-alive TCP
// connection to the app, the request head is written to it as one string and the response is
// read with the same native parser: the floor of Node forwarding HTTP/1.1 over TLS at all.
//
// It measures the floor of the structural option "replace node:http's server with our own
// HTTP/1.1 handling on the socket". It handles what the bench sends (requests without a body,
// keep-alive) and answers anything else with 501 and a close: it is not safe to put in front of
// anything. Prints {"port":N} on stdout once it listens.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import { Pool, type Dispatcher } from 'undici';

interface NativeParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): void;
  close(): void;
  [key: number]: unknown;
}
interface NativeParserClass {
  new (): NativeParser;
  readonly REQUEST: number;
  readonly RESPONSE: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kOnHeaders: number;
}
const { HTTPParser, methods } = createRequire(import.meta.url)('_http_common') as { HTTPParser: NativeParserClass; methods: string[] };

const [certPath, keyPath, caPath, upstreamPort, mode = 'undici'] = process.argv.slice(2);
if (!certPath || !keyPath || !caPath || !upstreamPort || (mode !== 'undici' && mode !== 'socket')) {
  process.stderr.write('usage: raw-proxy.js CERT KEY CA UPSTREAM_PORT [undici|socket]\n');
  process.exit(2);
}

const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const NOT_IMPLEMENTED = Buffer.from('HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
const BAD_GATEWAY = Buffer.from('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');

function identityOf(socket: TLSSocket): string {
  const cert = socket.getPeerX509Certificate();
  return `Hash=${cert?.fingerprint256.replaceAll(':', '').toLowerCase() ?? ''};URI=${cert?.subjectAltName?.split(', ').find((name) => name.startsWith('URI:'))?.slice(4) ?? ''}`;
}

/** One response, collected and written as one buffer (the echo app's bodies are small). */
class Forward implements Dispatcher.DispatchHandler {
  private head = '';
  private readonly chunks: Buffer[] = [];

  constructor(private readonly socket: TLSSocket) {}

  onConnect(): void {}
  onError(): void {
    if (!this.socket.destroyed) this.socket.write(BAD_GATEWAY);
  }
  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void, statusText: string): boolean {
    let head = `HTTP/1.1 ${statusCode} ${statusText}\r\n`;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = String(rawHeaders[i]);
      if (!HOP.has(name.toLowerCase())) head += `${name}: ${String(rawHeaders[i + 1])}\r\n`;
    }
    this.head = `${head}\r\n`;
    return true;
  }
  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }
  onComplete(): void {
    if (!this.socket.destroyed) this.socket.write(Buffer.concat([Buffer.from(this.head, 'latin1'), ...this.chunks]));
  }
}

/**
 * One client connection's own connection to the app: requests go out one at a time (the bench
 * keeps one request in flight per connection); each response is written back as one buffer.
 */
class UpstreamSocket {
  private readonly socket: Socket;
  private readonly parser = new HTTPParser();
  private head = '';
  private chunks: Buffer[] = [];

  constructor(private readonly client: TLSSocket) {
    this.socket = connect(Number(upstreamPort), '127.0.0.1');
    this.socket.setNoDelay(true);
    this.parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    this.parser[HTTPParser.kOnHeadersComplete] = (_major: number, _minor: number, raw: string[], _method: number, _url: string, statusCode: number, statusText: string) => {
      let head = `HTTP/1.1 ${statusCode} ${statusText}\r\n`;
      for (let i = 0; i < raw.length; i += 2) {
        if (!HOP.has((raw[i] as string).toLowerCase())) head += `${raw[i] as string}: ${raw[i + 1] as string}\r\n`;
      }
      this.head = `${head}\r\n`;
    };
    this.parser[HTTPParser.kOnBody] = (chunk: Buffer) => {
      this.chunks.push(Buffer.from(chunk));
    };
    this.parser[HTTPParser.kOnMessageComplete] = () => {
      if (!this.client.destroyed) this.client.write(Buffer.concat([Buffer.from(this.head, 'latin1'), ...this.chunks]));
      this.chunks = [];
    };
    this.socket.on('data', (data: Buffer) => {
      if (this.parser.execute(data) instanceof Error) this.client.destroy();
    });
    this.socket.on('error', () => this.client.destroy());
    this.client.on('close', () => this.socket.destroy());
  }

  send(method: string, path: string, headers: string[]): void {
    let head = `${method} ${path} HTTP/1.1\r\n`;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i] as string}: ${headers[i + 1] as string}\r\n`;
    this.socket.write(`${head}\r\n`, 'latin1');
  }
}

const server = createServer({ cert: readFileSync(certPath), key: readFileSync(keyPath), ca: readFileSync(caPath), requestCert: true, rejectUnauthorized: true }, (socket) => {
  const identity = identityOf(socket);
  const upstream = mode === 'socket' ? new UpstreamSocket(socket) : undefined;
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.REQUEST, {}, 0, 0);
  parser[HTTPParser.kOnHeaders] = () => {
    // Headers split over many packets: not handled by this what-if.
    socket.end(NOT_IMPLEMENTED);
  };
  parser[HTTPParser.kOnHeadersComplete] = (_major: number, _minor: number, raw: string[], method: number, url: string) => {
    const headers: string[] = [];
    let hasBody = false;
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      if (name === 'content-length' || name === 'transfer-encoding') hasBody = true;
      if (!HOP.has(name)) headers.push(raw[i] as string, raw[i + 1] as string);
    }
    if (hasBody) {
      socket.end(NOT_IMPLEMENTED);
      return;
    }
    headers.push('x-forwarded-client-cert', identity);
    if (upstream) return upstream.send(methods[method] as string, url, headers);
    pool.dispatch({ method: methods[method] as Dispatcher.HttpMethod, path: url, headers, body: null }, new Forward(socket));
  };
  parser[HTTPParser.kOnBody] = () => undefined;
  parser[HTTPParser.kOnMessageComplete] = () => undefined;
  socket.on('data', (data: Buffer) => {
    const result = parser.execute(data);
    if (result instanceof Error) socket.destroy();
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => parser.close());
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: 'raw-proxy', port: (server.address() as AddressInfo).port })}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
