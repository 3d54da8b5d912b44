// Starts a real Sidecar in-process on 127.0.0.1 with port 0, from a config object built like
// a user's YAML, and captures its log lines.
import { loadConfigObject } from '../../src/config/load.js';
import { certificateFactory } from '../../src/certs/factory.js';
import { Sidecar } from '../../src/sidecar.js';
import { LogCapture } from './logs.js';
import type { TestPki } from './pki.js';
import { IDS } from './pki.js';

export interface RunningSidecar {
  readonly sidecar: Sidecar;
  readonly port: number;
  readonly adminPort: number;
  /** https://localhost:PORT */
  readonly url: string;
  readonly adminUrl: string;
  readonly logs: LogCapture;
  close(): Promise<void>;
}

export const DEFAULT_ROUTES = [
  { name: 'api', methods: ['GET', 'POST', 'PUT'], path: '/api/**', allow: [IDS.frontend] },
  { name: 'public', path: '/public/**', allow: ['*'] },
  { name: 'admin', path: '/admin/**', allow: [`spiffe://test.palisade.local/ns/ops/sa/admin`] },
];

export interface SidecarOptions {
  upstreamUrl: string;
  routes?: unknown[];
  mode?: 'enforce' | 'report';
  /** Merged into the inbound listener's config. */
  listener?: Record<string, unknown>;
  /** Merged into the top-level config. */
  top?: Record<string, unknown>;
}

export function sidecarConfig(pki: TestPki, options: SidecarOptions): Record<string, unknown> {
  return {
    mode: options.mode ?? 'enforce',
    admin: { address: '127.0.0.1', port: 0 },
    log: { level: 'info' },
    ...options.top,
    inbound: [
      {
        name: 'app',
        address: '127.0.0.1',
        port: 0,
        tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath },
        upstream: { url: options.upstreamUrl },
        routes: structuredClone(options.routes ?? DEFAULT_ROUTES),
        ...options.listener,
      },
    ],
  };
}

export async function startSidecar(pki: TestPki, options: SidecarOptions): Promise<RunningSidecar> {
  const loaded = loadConfigObject(sidecarConfig(pki, options), pki.dir);
  if (!loaded.ok) throw new Error(`test config invalid:\n${loaded.errors.join('\n')}`);
  const logs = new LogCapture();
  const sidecar = new Sidecar(loaded.value, { logDestination: logs, certificates: certificateFactory });
  const addresses = await sidecar.start();
  const port = addresses.inbound['app']?.port as number;
  return {
    sidecar,
    port,
    adminPort: addresses.admin.port,
    url: `https://localhost:${port}`,
    adminUrl: `http://127.0.0.1:${addresses.admin.port}`,
    logs,
    close: () => sidecar.close(),
  };
}
