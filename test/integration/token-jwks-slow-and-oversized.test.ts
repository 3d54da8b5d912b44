// A remote JWKS endpoint that is slow or answers too much never hangs or floods the sidecar:
// real HTTPS endpoints (and one TCP listener that never speaks TLS) that stall at each stage,
// trickle, or send more than `maxBytes` (declared or streamed without end). The fetch is cut at
// `timeoutMs` / `maxBytes`, the connection is closed, tokens of an issuer whose keys never
// loaded get 503 token_keys_unavailable with the cause in the audit detail, the app receives
// nothing, and keys that did load keep working when the endpoint later stalls.
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCa, createLeaf } from '../../src/certs/factory.js';
import { call, mtlsAgent } from '../helpers/client.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { AUDIENCE, bearer, issuerKey, jwks, mint, startTokenSidecar, type IssuerKey } from '../helpers/tokens.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

const TIMEOUT_MS = 400;
const MAX_BYTES = 2048;

type Behaviour = 'no-response' | 'headers-then-stall' | 'trickle' | 'declared-too-large' | 'endless-stream' | 'good' | 'good-then-stall';

interface Endpoint {
  readonly url: string;
  /** Connections the endpoint accepted, and how many of them the client has closed. */
  readonly accepted: () => number;
  readonly closed: () => number;
  /** Response body bytes the endpoint managed to write. */
  readonly bytesWritten: () => number;
  stall(): void;
  close(): Promise<void>;
}

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let key: IssuerKey;
let caPem: string;
let serverCert: { certPem: string; keyPem: string };
const endpoints = new Map<string, Endpoint>();
const timers = new Set<NodeJS.Timeout>();

function track(server: HttpsServer | TcpServer, counters: { accepted: number; closed: number }): void {
  server.on('connection', (socket: Socket) => {
    counters.accepted += 1;
    socket.on('close', () => (counters.closed += 1));
    socket.on('error', () => undefined);
  });
}

async function listen(server: HttpsServer | TcpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function startEndpoint(behaviour: Behaviour | 'tcp-silent', body: string): Promise<Endpoint> {
  const counters = { accepted: 0, closed: 0, written: 0 };
  let stalled = behaviour !== 'good-then-stall';
  if (behaviour === 'tcp-silent') {
    // Accepts the TCP connection, reads (so it sees the client hang up), never answers the ClientHello.
    const server = createTcpServer((socket) => socket.resume());
    track(server, counters);
    const port = await listen(server);
    return endpointOf(server, `https://127.0.0.1:${port}/jwks`, counters, () => undefined);
  }
  const server = createHttpsServer({ cert: serverCert.certPem, key: serverCert.keyPem }, (req, res) => {
    req.resume();
    const write = (chunk: string) => {
      if (res.destroyed) return false;
      counters.written += Buffer.byteLength(chunk);
      return res.write(chunk);
    };
    switch (behaviour) {
      case 'good':
        res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(body);
        return;
      case 'good-then-stall':
        if (!stalled) res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(body);
        return; // stalled: never answers
      case 'no-response':
        return;
      case 'headers-then-stall':
        res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
        res.flushHeaders();
        return;
      case 'trickle': {
        // A byte of a valid JWKS every 50 ms: each read succeeds, the whole never arrives in time.
        res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
        let i = 0;
        const timer = setInterval(() => {
          if (i >= body.length || !write(body[i++] as string)) clearInterval(timer);
        }, 50);
        timers.add(timer);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'declared-too-large': {
        const big = JSON.stringify({ keys: [JSON.parse(body).keys[0]], padding: 'x'.repeat(MAX_BYTES * 4) });
        res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'content-length': Buffer.byteLength(big) });
        write(big);
        res.end();
        return;
      }
      case 'endless-stream': {
        // Chunked, no length, never ends: the client must stop reading at maxBytes.
        res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
        const chunk = 'x'.repeat(1024);
        const pump = () => {
          while (write(chunk)) if (counters.written > 64 * 1024 * 1024) return; // a hard stop for the test itself
        };
        res.on('drain', pump);
        pump();
        return;
      }
    }
  });
  track(server, counters);
  const port = await listen(server);
  return endpointOf(server, `https://127.0.0.1:${port}/jwks`, counters, () => (stalled = true));
}

function endpointOf(server: HttpsServer | TcpServer, url: string, counters: { accepted: number; closed: number; written: number }, stall: () => void): Endpoint {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    url,
    accepted: () => counters.accepted,
    closed: () => counters.closed,
    bytesWritten: () => counters.written,
    stall,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const ISSUERS: Array<{ name: string; behaviour: Behaviour | 'tcp-silent'; detail: string }> = [
  { name: 'no-response', behaviour: 'no-response', detail: `timed out after ${TIMEOUT_MS} ms` },
  { name: 'headers-then-stall', behaviour: 'headers-then-stall', detail: `timed out after ${TIMEOUT_MS} ms` },
  { name: 'trickle', behaviour: 'trickle', detail: `timed out after ${TIMEOUT_MS} ms` },
  { name: 'tcp-silent', behaviour: 'tcp-silent', detail: `timed out after ${TIMEOUT_MS} ms` },
  { name: 'declared-too-large', behaviour: 'declared-too-large', detail: `response larger than ${MAX_BYTES} bytes` },
  { name: 'endless-stream', behaviour: 'endless-stream', detail: `response larger than ${MAX_BYTES} bytes` },
];

const SLOW = new Set(ISSUERS.filter((issuer) => issuer.detail.startsWith('timed out')).map((issuer) => issuer.name));
const issuerUrl = (name: string) => `https://${name}.issuer.test.palisade.local`;

beforeAll(async () => {
  pki = await makePki();
  key = await issuerKey('k1');
  const ca = await createCa({ commonName: 'JWKS Test CA' });
  caPem = ca.certPem;
  serverCert = await createLeaf({ issuer: ca, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const caFile = pki.write('jwks-ca.pem', caPem);
  const body = jwks(key);
  const issuers = [];
  for (const { name, behaviour } of [...ISSUERS, { name: 'stale', behaviour: 'good-then-stall' as const }]) {
    const endpoint = await startEndpoint(behaviour, body);
    endpoints.set(name, endpoint);
    issuers.push({
      name,
      issuer: issuerUrl(name),
      audiences: [AUDIENCE],
      algorithms: ['ES256'],
      // Only the stalling endpoints get the short timeout: the oversized ones must be cut by
      // the size limit alone, and `stale` must load at least once, even on a loaded CI machine.
      // cacheMs/cooldownMs 1 for `stale`: every request refreshes.
      remote: {
        url: endpoint.url,
        ca: caFile,
        timeoutMs: SLOW.has(name) ? TIMEOUT_MS : name === 'stale' ? 3_000 : 20_000,
        maxBytes: MAX_BYTES,
        cooldownMs: name === 'stale' ? 1 : 60_000,
        cacheMs: name === 'stale' ? 1 : 300_000,
      },
    });
  }
  upstream = await startUpstream();
  sidecar = await startTokenSidecar(pki, upstream.url, { issuers });
});

afterAll(async () => {
  for (const timer of timers) clearInterval(timer);
  await sidecar?.close();
  for (const endpoint of endpoints.values()) await endpoint.close();
  await upstream?.close();
  pki?.cleanup();
});

async function callWithToken(issuer: string): Promise<{ status: number; reason: unknown; requestId: string | undefined }> {
  const agent = mtlsAgent(pki, pki.frontend);
  try {
    const response = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { iss: issuerUrl(issuer), scope: 'orders:read' })) });
    const json = response.status === 200 ? {} : response.json();
    return { status: response.status, reason: json['reason'], requestId: response.headers['x-request-id'] as string | undefined };
  } finally {
    await agent.close();
  }
}

async function closedByClient(endpoint: Endpoint): Promise<boolean> {
  for (let i = 0; i < 250 && endpoint.closed() < endpoint.accepted(); i += 1) await sleep(20);
  return endpoint.accepted() > 0 && endpoint.closed() === endpoint.accepted();
}

test.each(ISSUERS)('$behaviour endpoint → 503 token_keys_unavailable ("$detail"), the fetch is cut, nothing reaches the app', async ({ name, detail }) => {
  const before = upstream.received.length;
  const result = await callWithToken(name);
  expect(result).toMatchObject({ status: 503, reason: 'token_keys_unavailable' });
  expect(upstream.received).toHaveLength(before);
  const line = sidecar.logs.requests().find((entry) => entry['requestId'] === result.requestId) ?? sidecar.logs.requests().at(-1);
  expect(JSON.stringify(line)).toContain(detail);
  // The sidecar hung up on the endpoint instead of waiting or reading on.
  expect(await closedByClient(endpoints.get(name) as Endpoint)).toBe(true);
});

test('an endless body is not read past the limit: the endpoint could write only a bounded amount before the sidecar hung up', () => {
  // Socket buffers on both sides hold some data; 64 MiB is what the endpoint would write unchecked.
  expect(endpoints.get('endless-stream')?.bytesWritten()).toBeLessThan(16 * 1024 * 1024);
});

test('keys that loaded keep working when the endpoint later stalls past the timeout', async () => {
  const stale = endpoints.get('stale') as Endpoint;
  expect((await callWithToken('stale')).status).toBe(200);
  stale.stall();
  const accepted = stale.accepted();
  const result = await callWithToken('stale');
  expect(result.status).toBe(200);
  // A refresh was attempted against the stalled endpoint and abandoned.
  expect(stale.accepted()).toBeGreaterThan(accepted);
  expect(await closedByClient(stale)).toBe(true);
});
