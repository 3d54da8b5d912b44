// The one writer of the sidecar's own responses: whether the connection survives each kind of
// response, and that every kind carries x-request-id (the 500 of a handler failure included).
// Exercised on a real node:http server on 127.0.0.1, read back over a raw socket.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { denialResponse } from '../../../src/pipeline/rescue.js';
import { answerClientError, answerHandlerFailure } from '../../../src/proxy/listener-common.js';
import { mustClose, respond, type ResponseKind } from '../../../src/proxy/respond.js';

describe('mustClose', () => {
  const denial = denialResponse('identity_not_allowed', 'rid');
  const whole = { draining: false, bodyComplete: true };
  const partial = { draining: false, bodyComplete: false };

  test('a denial keeps the connection, even with its body unread (Node reads and drops the rest)', () => {
    expect(mustClose('denial', denial, whole)).toBe(false);
    expect(mustClose('denial', denial, partial)).toBe(false);
  });

  test('a refusal or an upstream failure closes only when the body did not arrive whole', () => {
    for (const kind of ['refusal', 'upstream_failure'] as const) {
      expect(mustClose(kind, denial, whole)).toBe(false);
      expect(mustClose(kind, denial, partial)).toBe(true);
    }
  });

  test('refused headers, a timeout, a handler failure and a parser error always close', () => {
    for (const kind of ['refused_headers', 'timeout', 'handler_failure', 'parser_error'] as const) expect(mustClose(kind, denial, whole)).toBe(true);
  });

  test('draining closes every kind; so does body_too_large (its rest was never read)', () => {
    expect(mustClose('denial', denial, { draining: true, bodyComplete: true })).toBe(true);
    expect(mustClose('denial', denialResponse('body_too_large', 'rid'), whole)).toBe(true);
  });
});

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The server closed the connection after the response. */
  readonly closed: boolean;
}

/** Send `bytes` on a raw socket; the first response, and whether the server then closed. */
function exchange(port: number, bytes: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    let answered: Omit<RawAnswer, 'closed'> | undefined;
    const parse = (): Omit<RawAnswer, 'closed'> | undefined => {
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return undefined;
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      const length = Number(headers['content-length'] ?? 0);
      if (text.length < end + 4 + length) return undefined;
      return { status: Number(statusLine?.split(' ')[1]), headers, body: text.slice(end + 4, end + 4 + length) };
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      answered ??= parse();
      // Still open a moment after a keep-alive response: that is the answer.
      if (answered && answered.headers['connection'] !== 'close') setTimeout(() => { if (!socket.destroyed) { socket.destroy(); resolve({ ...(answered as Omit<RawAnswer, 'closed'>), closed: false }); } }, 100);
    });
    socket.on('close', () => (answered ? resolve({ ...answered, closed: true }) : reject(new Error(`closed without a response: ${JSON.stringify(text)}`))));
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
/** Declares 100 bytes and sends 10: the body is not whole when the handler answers. */
const PARTIAL_POST = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789';

function expectDenialBody(answer: RawAnswer, reason: string, requestId: string): void {
  expect(answer.headers['x-request-id']).toBe(requestId);
  expect(JSON.parse(answer.body)).toMatchObject({ reason, request_id: requestId });
}

describe('respond on a real server', () => {
  test('a denial of a whole request keeps the connection and carries the request id', async () => {
    const port = await serve((req, res) => respond({ req, res, draining: false }, 'denial', denialResponse('identity_not_allowed', 'rid-denial')));
    const answer = await exchange(port, GET);
    expect(answer.status).toBe(403);
    expect(answer.closed).toBe(false);
    expect(answer.headers['connection']).toBe('keep-alive');
    expectDenialBody(answer, 'identity_not_allowed', 'rid-denial');
  });

  test('an overload refusal or upstream failure with the body not read whole closes; whole, it keeps the connection', async () => {
    for (const [kind, reason] of [['refusal', 'upstream_overloaded'], ['upstream_failure', 'upstream_unavailable']] as const) {
      // As in the listeners, the answer comes after an await: by then Node has parsed a bodiless request to its end.
      const port = await serve((req, res) => setImmediate(() => respond({ req, res, draining: false }, kind, denialResponse(reason, `rid-${kind}`))));
      const partial = await exchange(port, PARTIAL_POST);
      expect(partial.headers['connection']).toBe('close');
      expect(partial.closed).toBe(true);
      expectDenialBody(partial, reason, `rid-${kind}`);
      const whole = await exchange(port, GET);
      expect(whole.closed).toBe(false);
      expectDenialBody(whole, reason, `rid-${kind}`);
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    }
  });

  test('a draining listener closes after any response', async () => {
    const port = await serve((req, res) => respond({ req, res, draining: true }, 'denial', denialResponse('route_not_found', 'rid-drain')));
    const answer = await exchange(port, GET);
    expect(answer.headers['connection']).toBe('close');
    expect(answer.closed).toBe(true);
    expectDenialBody(answer, 'route_not_found', 'rid-drain');
  });

  test('refused headers and body_too_large close', async () => {
    for (const [kind, reason] of [['refused_headers', 'malformed_request'], ['denial', 'body_too_large']] as const) {
      const port = await serve((req, res) => respond({ req, res, draining: false }, kind as ResponseKind, denialResponse(reason, 'rid-close')));
      const answer = await exchange(port, GET);
      expect(answer.closed).toBe(true);
      expect(answer.headers['connection']).toBe('close');
      expectDenialBody(answer, reason, 'rid-close');
      server?.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    }
  });

  test('a timeout answers 408 and closes the connection even though the body never ends', async () => {
    const port = await serve((req, res) => respond({ req, res, draining: false }, 'timeout', denialResponse('request_timeout', 'rid-408')));
    const answer = await exchange(port, PARTIAL_POST);
    expect(answer.status).toBe(408);
    expect(answer.closed).toBe(true);
    expectDenialBody(answer, 'request_timeout', 'rid-408');
  });

  test('a parser error is answered on the bare socket, with a request id, and closed', async () => {
    let sent: { requestId: string; status: number } | undefined;
    const port = await serve(() => undefined);
    server?.on('clientError', (error: Error & { code?: string }, socket: Socket) => (sent = answerClientError(error, socket, false, undefined, 30_000)));
    const answer = await exchange(port, 'GET / HTTP/1.1\r\nBad Header\r\n\r\n');
    expect(answer.status).toBe(400);
    expect(answer.closed).toBe(true);
    expect(answer.headers['connection']).toBe('close');
    expect(sent?.status).toBe(400);
    expectDenialBody(answer, 'malformed_request', sent?.requestId ?? '');
  });

  test('a handler failure answers 500 internal_error with the request id, and logs the same id', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'error' }, new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    const port = await serve((req, res) => answerHandlerFailure(log, 'app', req, res, 'rid-500', new Error('a bug')));
    const answer = await exchange(port, GET);
    expect(answer.status).toBe(500);
    expect(answer.closed).toBe(true);
    expect(answer.headers['connection']).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({ error: 'internal_error', reason: 'internal_error', request_id: 'rid-500' });
    expect(answer.headers['x-request-id']).toBe('rid-500');
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([expect.objectContaining({ listener: 'app', request_id: 'rid-500', msg: 'request handler failed' })]);
  });

  test('a handler failure after the response started cuts the connection instead of writing', async () => {
    const log = pino({ level: 'silent' });
    const port = await serve((req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => answerHandlerFailure(log, 'app', req, res, 'rid-late', new Error('a bug')));
    });
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', () => undefined);
      socket.write(GET);
    });
    expect(answer).toContain('HTTP/1.1 200');
    expect(answer).not.toContain('internal_error');
  });
});
