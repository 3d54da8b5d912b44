// The forwarder without an AbortController: a peer leaving (its socket closing) takes a queued
// request out of the admission queue and aborts one in flight; the sidecar's own cut
// (cancel()) does the same; a whole response streams through. Real node:http servers and a
// real undici Pool on 127.0.0.1.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Pool } from 'undici';
import { afterEach, expect, test } from 'vitest';
import { Admission } from '../../../src/proxy/admission.js';
import { Exchange, type ForwardOutcome } from '../../../src/proxy/forward.js';
import { Connections } from '../../../src/proxy/listener-common.js';
import { classifyAppError } from '../../../src/proxy/upstream.js';

const closers: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as AddressInfo).port;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(check()).toBe(true);
}

interface Rig {
  readonly port: number;
  readonly outcomes: ForwardOutcome[];
  readonly exchanges: Exchange[];
  readonly upstreamClosed: () => number;
  readonly arrived: () => number;
  readonly admission: Admission;
}

/** An app that answers /ok and holds everything else; a front server forwarding to it through Exchange. */
async function rig(): Promise<Rig> {
  let closed = 0;
  let arrived = 0;
  const app = createServer((req, res) => {
    arrived += 1;
    res.once('close', () => (closed += 1));
    if (req.url === '/ok') {
      res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive', 'x-app': 'yes' });
      res.end('hello');
    }
  });
  const appPort = await listen(app);
  const pool = new Pool(`http://127.0.0.1:${appPort}`, { connections: 1, pipelining: 1 });
  closers.push(() => pool.destroy());
  const admission = new Admission({ connections: 1, maxPending: 4, queueTimeoutMs: 10_000, maxRequestsPerIdentity: 10 });
  const outcomes: ForwardOutcome[] = [];
  const exchanges: Exchange[] = [];
  const front: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const exchange = new Exchange(res, req.socket, connections, classifyAppError);
    exchanges.push(exchange);
    void exchange.forward({ admission, pool }, 'peer', { method: 'GET', path: req.url ?? '/', headers: [], body: null }).then((outcome) => outcomes.push(outcome));
  });
  const connections = new Connections(front);
  front.on('connection', (socket: Socket) => connections.track(socket));
  return { port: await listen(front), outcomes, exchanges, upstreamClosed: () => closed, arrived: () => arrived, admission };
}

/** A GET whose socket can be destroyed from outside; resolves with the response text, if any. */
function get(port: number, path: string): { socket: Promise<Socket>; text: Promise<string> } {
  let resolveSocket: (socket: Socket) => void = () => undefined;
  const socket = new Promise<Socket>((resolve) => (resolveSocket = resolve));
  const text = new Promise<string>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(`${res.statusCode} ${res.headers['x-app'] ?? '-'} ${res.headers['connection'] ?? '-'} ${body}`));
      res.on('error', () => resolve('error'));
    });
    req.on('socket', resolveSocket);
    req.on('error', () => resolve('error'));
    req.end();
  });
  return { socket, text };
}

test('a whole response streams through, hop-by-hop fields dropped', async () => {
  const { port, outcomes } = await rig();
  expect(await get(port, '/ok').text).toBe('200 yes close hello');
  await until(() => outcomes.length === 1);
  expect(outcomes[0]).toMatchObject({ kind: 'complete', status: 200 });
});

test('the peer leaving aborts the request in flight, and one queued behind it leaves the queue', async () => {
  const { port, outcomes, upstreamClosed, admission } = await rig();
  const held = get(port, '/hold');
  await until(() => admission.active === 1);
  const queued = get(port, '/queued');
  await until(() => admission.pending === 1);

  (await queued.socket).destroy();
  await until(() => outcomes.length === 1);
  expect(outcomes[0]).toMatchObject({ kind: 'gone', stage: 'queued', status: 0 });
  expect(admission.pending).toBe(0);

  (await held.socket).destroy();
  await until(() => outcomes.length === 2);
  expect(outcomes[1]).toMatchObject({ kind: 'gone', stage: 'before_response', status: 0 });
  await until(() => upstreamClosed() === 1);
  expect(admission.active).toBe(0);
});

test("the sidecar's own cut (cancel) aborts the upstream request too", async () => {
  const { port, outcomes, exchanges, upstreamClosed, arrived } = await rig();
  const held = get(port, '/hold');
  await until(() => arrived() === 1);
  exchanges[0]?.cancel();
  await until(() => outcomes.length === 1);
  expect(outcomes[0]).toMatchObject({ kind: 'gone', stage: 'before_response' });
  await until(() => upstreamClosed() === 1);
  (await held.socket).destroy();
});
