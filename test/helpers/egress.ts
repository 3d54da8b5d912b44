// Starts a real Sidecar with one egress listener ("out", 127.0.0.1:0) and the usual inbound
// listener, and plays the local app: plain HTTP to the egress port, with a Host header naming
// the upstream.
import { request } from 'undici';
import { loadConfigObject } from '../../src/config/load.js';
import { certificateFactory } from '../../src/certs/factory.js';
import { Sidecar } from '../../src/sidecar.js';
import { LogCapture } from './logs.js';
import type { TestPki } from './pki.js';
import { sidecarConfig } from './sidecar.js';

export const ORDERS_ID = 'spiffe://test.palisade.local/ns/shop/sa/orders';

export interface RunningEgress {
  readonly sidecar: Sidecar;
  /** http://127.0.0.1:PORT of the egress listener */
  readonly egressUrl: string;
  readonly adminUrl: string;
  readonly logs: LogCapture;
  close(): Promise<void>;
}

/**
 * One upstream entry with the sidecar's own identity (pki.server) as the client certificate and
 * the test CA as the trust bundle; `overrides` merge on top (and `tls` merges into tls).
 */
export function egressUpstream(pki: TestPki, name: string, url: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { tls, ...rest } = overrides as { tls?: Record<string, unknown> };
  return {
    name,
    url,
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.caPath, ...tls },
    identity: { spiffeId: ORDERS_ID },
    ...rest,
  };
}

export function egressConfig(pki: TestPki, upstreams: unknown[]): Record<string, unknown> {
  return sidecarConfig(pki, {
    upstreamUrl: 'http://127.0.0.1:9',
    top: { egress: [{ name: 'out', address: '127.0.0.1', port: 0, upstreams }] },
  });
}

export async function startEgressSidecar(pki: TestPki, upstreams: unknown[]): Promise<RunningEgress> {
  const loaded = loadConfigObject(egressConfig(pki, upstreams), pki.dir);
  if (!loaded.ok) throw new Error(`test config invalid:\n${loaded.errors.join('\n')}`);
  const logs = new LogCapture();
  const sidecar = new Sidecar(loaded.value, { logDestination: logs, certificates: certificateFactory });
  const addresses = await sidecar.start();
  return {
    sidecar,
    egressUrl: `http://127.0.0.1:${addresses.egress['out']?.port as number}`,
    adminUrl: `http://127.0.0.1:${addresses.admin.port}`,
    logs,
    close: () => sidecar.close(),
  };
}

export interface AppResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

/** The local app calling through the egress listener. */
export async function appCall(egressUrl: string, path: string, host: string, headers: Record<string, string> = {}): Promise<AppResponse> {
  const response = await request(`${egressUrl}${path}`, { headers: { host, ...headers }, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
}
