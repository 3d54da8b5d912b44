// The whole credential chain for the failure drills, every part real and on loopback:
//
//   app client ──http──▶ egress sidecar ──mTLS + broker token──▶ inbound sidecar ──▶ app
//                          │ client credentials over mTLS           │ remote JWKS, remote denylist
//                          └──────────────▶ token broker ◀──────────┘
//
// The egress sidecar presents pki.server (its grant's identity); the inbound sidecar serves as
// ORDERS_ID (what egress pins) and requires a certificate-bound at+jwt from the broker.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { certificateFactory } from '../../src/certs/factory.js';
import { Sidecar } from '../../src/sidecar.js';
import { brokerTokensConfig, startBroker, type BrokerTestOptions, type RunningBroker } from './broker.js';
import { egressUpstream, ORDERS_ID, startEgressSidecar, type RunningEgress } from './egress.js';
import { LogCapture } from './logs.js';
import { IDS, makePki, type TestPki } from './pki.js';
import { sidecarConfig } from './sidecar.js';
import { startUpstream, type Handler, type TestUpstream } from './upstream.js';
import { sleep } from './wait.js';

export const CHAIN_ROUTES = [
  { name: 'orders-read', methods: ['GET'], path: '/orders/**', allow: [IDS.server], scopes: { allOf: ['orders:read'] } },
  { name: 'orders-write', methods: ['POST'], path: '/orders/**', allow: [IDS.server], scopes: { allOf: ['orders:write'] } },
  { name: 'download', methods: ['GET'], path: '/download/**', allow: [IDS.server], scopes: { allOf: ['orders:read'] } },
  { name: 'health', path: '/healthz', allow: ['*'], token: false },
];

export const SERVER_GRANT = { name: 'server-orders', identity: IDS.server, audiences: [ORDERS_ID], scopes: ['orders:read'], defaultScopes: ['orders:read'], lifetime: '5m' };

export interface ChainOptions {
  broker?: BrokerTestOptions;
  /** Merged into the inbound listener's tokens section. */
  tokens?: Record<string, unknown>;
  /** Merged into the inbound issuer's remote JWKS settings. */
  jwks?: Record<string, unknown>;
  /** Merged into the egress upstream's token section. */
  egressToken?: Record<string, unknown>;
  app?: Handler;
  appStreaming?: boolean;
}

export interface InboundSide {
  readonly sidecar: Sidecar;
  readonly url: string;
  readonly adminUrl: string;
  readonly logs: LogCapture;
}

export interface Chain {
  broker: RunningBroker;
  readonly inbound: InboundSide;
  readonly egress: RunningEgress;
  readonly app: TestUpstream;
  /** The app's call through the egress listener; resolves with the status (0 on a transport error). */
  call(path: string, options?: { method?: 'GET' | 'POST'; body?: string }): Promise<number>;
  /** Write the broker's and the inbound sidecar's logs to files in `dir`, for `palisade audit`. */
  writeLogs(dir: string): { broker: string; sidecar: string };
  close(): Promise<void>;
}

export async function startChain(pki: TestPki, options: ChainOptions = {}): Promise<Chain> {
  const broker = await startBroker(pki, { grants: [SERVER_GRANT], ...options.broker });
  const app = await startUpstream(options.app, { streaming: options.appStreaming ?? false });
  const orders = await pki.issue('orders-sidecar', { uris: [ORDERS_ID], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const config = sidecarConfig(pki, {
    upstreamUrl: app.url,
    routes: CHAIN_ROUTES,
    listener: { tls: { cert: orders.cert, key: orders.key, clientCa: pki.caPath }, tokens: brokerTokensConfig(pki, broker.url, ORDERS_ID, options.tokens, options.jwks) },
  });
  const loaded = loadConfigObject(config, pki.dir);
  if (!loaded.ok) throw new Error(`inbound config invalid:\n${loaded.errors.join('\n')}`);
  const logs = new LogCapture();
  const inboundSidecar = new Sidecar(loaded.value, { logDestination: logs, certificates: certificateFactory });
  const addresses = await inboundSidecar.start();
  const inbound: InboundSide = { sidecar: inboundSidecar, url: `https://127.0.0.1:${addresses.inbound['app']?.port as number}`, adminUrl: `http://127.0.0.1:${addresses.admin.port}`, logs };
  const egress = await startEgressSidecar(pki, [egressUpstream(pki, 'orders', inbound.url, { token: { tokenUrl: `${broker.url}/token`, audience: ORDERS_ID, scope: 'orders:read', timeoutMs: 1000, ...options.egressToken } })]);
  const chain: Chain = {
    broker,
    inbound,
    egress,
    app,
    async call(path, callOptions = {}) {
      try {
        const response = await request(`${egress.egressUrl}${path}`, { method: callOptions.method ?? 'GET', headers: { host: 'orders' }, body: callOptions.body, headersTimeout: 10_000, bodyTimeout: 10_000 });
        await response.body.text();
        return response.statusCode;
      } catch {
        return 0;
      }
    },
    writeLogs(dir) {
      const brokerLog = join(dir, 'broker.log');
      const sidecarLog = join(dir, 'inbound-sidecar.log');
      writeFileSync(brokerLog, chain.broker.logs.raw());
      writeFileSync(sidecarLog, logs.raw());
      return { broker: brokerLog, sidecar: sidecarLog };
    },
    async close() {
      await egress.close();
      await inboundSidecar.close();
      await app.close();
      await chain.broker.close();
    },
  };
  return chain;
}

/**
 * The scenario every drill file on the chain shares: a fresh pki and the whole running chain,
 * started before the file's tests and stopped after them. `started` hands them to the file's
 * own variables, e.g. `withChain((started) => ({ pki, chain } = started), options)`.
 */
export function withChain(started: (running: { pki: TestPki; chain: Chain }) => void, options: ChainOptions = {}): void {
  let pki: TestPki | undefined;
  let chain: Chain | undefined;
  beforeAll(async () => {
    pki = await makePki();
    chain = await startChain(pki, options);
    started({ pki, chain });
  }, 120_000);
  afterAll(async () => {
    await chain?.close();
    pki?.cleanup();
  });
}

export interface LoadResult {
  sent: number;
  failed: number;
  /** Count per status (0: transport error). */
  statuses: Record<number, number>;
}

/**
 * A steady, bounded load: `workers` loops each sending one request after another until
 * `stop()` is called, at most `maxRequests` in all and `maxMs` long.
 */
export function steadyLoad(send: () => Promise<number>, options: { workers?: number; maxRequests?: number; maxMs?: number } = {}): { stop(): Promise<LoadResult>; result: LoadResult; done: Promise<LoadResult> } {
  const result: LoadResult = { sent: 0, failed: 0, statuses: {} };
  const maxRequests = options.maxRequests ?? 5_000;
  const deadline = Date.now() + (options.maxMs ?? 20_000);
  let stopping = false;
  const worker = async () => {
    while (!stopping && result.sent < maxRequests && Date.now() < deadline) {
      result.sent += 1;
      const status = await send();
      result.statuses[status] = (result.statuses[status] ?? 0) + 1;
      if (status !== 200) result.failed += 1;
      // A little pacing: steady, not a flood, on a shared 2-core machine.
      await sleep(5);
    }
  };
  const done = Promise.all(Array.from({ length: options.workers ?? 4 }, worker)).then(() => result);
  return {
    result,
    done,
    stop: () => {
      stopping = true;
      return done;
    },
  };
}
