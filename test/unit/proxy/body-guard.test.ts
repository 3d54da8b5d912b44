// The body guard watches only requests that have a body to dribble: a request without
// Content-Length or Transfer-Encoding has none (RFC 9112 section 6.3), and watching it would
// keep it, and its handler, alive until the next sweep. A body is watched until it ends.
// Exercised on a real node:http server on 127.0.0.1, fed over a raw socket.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { BodyGuard } from '../../../src/proxy/body-guard.js';
import { until } from '../../helpers/wait.js';

const LIMITS = { bodyIdleTimeoutMs: 60_000, minBodyBytesPerSecond: 0, minBodyRateGraceMs: 5_000 };

let server: Server | undefined;
let client: Socket | undefined;
const guard = new BodyGuard();

afterEach(async () => {
  guard.close();
  client?.destroy();
  client = undefined;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server whose handler puts every request under the guard and reports how many it watches right after. */
async function serve(): Promise<{ port: number; watchedAfter: Promise<number>; request: Promise<IncomingMessage> }> {
  let report: (size: number) => void = () => undefined;
  let handed: (req: IncomingMessage) => void = () => undefined;
  const watchedAfter = new Promise<number>((resolve) => (report = resolve));
  const request = new Promise<IncomingMessage>((resolve) => (handed = resolve));
  server = createServer((req, res) => {
    guard.watch(req, LIMITS, () => undefined);
    report(guard.size);
    handed(req);
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, watchedAfter, request };
}

async function send(port: number, head: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(head);
  client = socket;
  return socket;
}

describe('BodyGuard', () => {
  test('a request without Content-Length or Transfer-Encoding is not watched: it has no body', async () => {
    const { port, watchedAfter } = await serve();
    await send(port, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await watchedAfter).toBe(0);
  });

  test('Content-Length: 0 is not watched either', async () => {
    const { port, watchedAfter } = await serve();
    await send(port, 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    expect(await watchedAfter).toBe(0);
  });

  test('a declared body still arriving is watched, and dropped once it has ended', async () => {
    const { port, watchedAfter, request } = await serve();
    const socket = await send(port, 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab');
    expect(await watchedAfter).toBe(1);
    socket.write('cd');
    const req = await request;
    await until('the body to end', () => req.complete);
    await until('the guard to drop the finished request', () => guard.size === 0);
  });

  test('a chunked body is watched', async () => {
    const { port, watchedAfter } = await serve();
    await send(port, 'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n');
    expect(await watchedAfter).toBe(1);
  });

  test('a slow body is still cut', async () => {
    const cuts: string[] = [];
    server = createServer((req) => {
      guard.watch(req, { ...LIMITS, bodyIdleTimeoutMs: 100 }, (detail) => cuts.push(detail));
      req.resume();
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    await send((server.address() as AddressInfo).port, 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab');
    await until('the idle body to be cut', () => cuts.length === 1);
    expect(cuts[0]).toMatch(/no body bytes for \d+ ms \(server\.bodyIdleTimeoutMs 100\)/);
  });
});
