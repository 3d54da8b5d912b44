// A real token broker in-process on 127.0.0.1:0, with its grants file, key directory and state
// file in the test PKI's directory, and helpers to call it over real mTLS.
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { stringify } from 'yaml';
import { Broker } from '../../src/broker/broker.js';
import { loadBrokerObject } from '../../src/broker/config.js';
import { requestToken, type TokenResult } from '../../src/tokens/client-credentials.js';
import { LogCapture } from './logs.js';
import type { CertFiles, TestPki } from './pki.js';
import { IDS, makePki } from './pki.js';

export const BROKER_ISSUER = 'https://broker.test.palisade.local';
export const ORDERS_AUDIENCE = 'spiffe://test.palisade.local/ns/shop/sa/orders';
export const OPS_ID = 'spiffe://test.palisade.local/ns/ops/sa/admin';

export const DEFAULT_GRANTS = [
  { name: 'frontend-orders', identity: IDS.frontend, audiences: [ORDERS_AUDIENCE], scopes: ['orders:read', 'orders:write'], defaultScopes: ['orders:read'], lifetime: '5m' },
];

export interface RunningBroker {
  readonly broker: Broker;
  readonly url: string;
  readonly adminUrl: string;
  readonly logs: LogCapture;
  readonly keysDir: string;
  readonly grantsPath: string;
  setGrants(grants: unknown[]): void;
  close(): Promise<void>;
}

export interface BrokerTestOptions {
  grants?: unknown[];
  /** Merged into the broker config. */
  config?: Record<string, unknown>;
  /** Separate name for files so two brokers can share or not share a directory. */
  name?: string;
}

export async function startBroker(pki: TestPki, options: BrokerTestOptions = {}): Promise<RunningBroker> {
  const name = options.name ?? 'broker';
  const grantsPath = pki.write(`${name}-grants.yaml`, stringify({ grants: options.grants ?? DEFAULT_GRANTS }));
  const raw = {
    issuer: BROKER_ISSUER,
    listen: { address: '127.0.0.1', port: 0 },
    admin: { address: '127.0.0.1', port: 0 },
    tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath },
    keys: { dir: `${name}-keys`, prepublish: '1s' },
    grants: grantsPath,
    admins: [OPS_ID],
    store: `file:${name}-state.jsonl`,
    reload: { debounceMs: 100 },
    ...options.config,
  };
  const loaded = loadBrokerObject(raw, pki.dir);
  if (!loaded.ok) throw new Error(`broker config invalid:\n${loaded.errors.join('\n')}`);
  const logs = new LogCapture();
  const broker = new Broker(loaded.value, { logDestination: logs });
  const addresses = await broker.start();
  return {
    broker,
    url: `https://127.0.0.1:${addresses.listen.port}`,
    adminUrl: `http://127.0.0.1:${addresses.admin.port}`,
    logs,
    keysDir: join(pki.dir, (raw.keys as { dir: string }).dir),
    grantsPath,
    setGrants: (grants) => pki.write(`${name}-grants.yaml`, stringify({ grants })),
    close: () => broker.close(),
  };
}

/** The client credentials grant over mTLS as `who`. */
export function getToken(pki: TestPki, brokerUrl: string, who: CertFiles, params: { scope?: string; audience?: string; clientId?: string } = {}): Promise<TokenResult> {
  return requestToken({ tokenUrl: `${brokerUrl}/token`, cert: who.certPem, key: who.keyPem, ca: pki.ca.certPem, ...params });
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/** A raw HTTPS request to the broker, with or without a client certificate. */
export function brokerRequest(pki: TestPki, url: string, options: { method?: string; form?: Record<string, string | string[]>; who?: CertFiles; body?: string; contentType?: string } = {}): Promise<RawAnswer> {
  let body = options.body;
  if (options.form) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(options.form)) for (const item of Array.isArray(value) ? value : [value]) form.append(name, item);
    body = form.toString();
  }
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? (body !== undefined ? 'POST' : 'GET'),
        ca: pki.ca.certPem,
        ...(options.who ? { cert: options.who.certPem, key: options.who.keyPem } : {}),
        headers: body !== undefined ? { 'content-type': options.contentType ?? 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } : {},
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** POST /revoke as the ops admin (or `who`). */
export function revoke(pki: TestPki, brokerUrl: string, form: Record<string, string>, who?: CertFiles): Promise<RawAnswer> {
  return pki.issue('ops-admin', { uris: [OPS_ID] }).then((ops) => brokerRequest(pki, `${brokerUrl}/revoke`, { form, who: who ?? ops }));
}

/** An inbound listener's `tokens` section that trusts this broker: remote JWKS and remote denylist. */
export function brokerTokensConfig(pki: TestPki, brokerUrl: string, audience: string, overrides: Record<string, unknown> = {}, remote: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    issuers: [{ name: 'broker', issuer: BROKER_ISSUER, audiences: [audience], algorithms: ['ES256'], remote: { url: `${brokerUrl}/.well-known/jwks.json`, ca: pki.caPath, cacheMs: 1000, cooldownMs: 200, timeoutMs: 1000, ...remote } }],
    requireAtJwt: true,
    binding: { required: true },
    maxLifetimeMs: 600_000,
    denylist: { remote: { url: `${brokerUrl}/revoked`, ca: pki.caPath, refreshMs: 250, timeoutMs: 1000 } },
    ...overrides,
  };
}

/**
 * The scenario most broker test files share: a fresh pki and a running broker, started before
 * the file's tests and stopped after them. `started` hands them to the file's own variables.
 */
export function withBroker(started: (running: { pki: TestPki; broker: RunningBroker }) => void, options: BrokerTestOptions = {}): void {
  let pki: TestPki | undefined;
  let broker: RunningBroker | undefined;
  beforeAll(async () => {
    pki = await makePki();
    broker = await startBroker(pki, options);
    started({ pki, broker });
  }, 120_000);
  afterAll(async () => {
    await broker?.close();
    pki?.cleanup();
  });
}
