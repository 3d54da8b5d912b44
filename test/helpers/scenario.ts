// The scenario most integration files share: a fresh test PKI, a real recording upstream app,
// and a real sidecar in front of it (config built like a user's YAML, started on port 0, its
// addresses read back), all started by one call and stopped by one call, in the right order.
// `withScenario` registers the file's beforeAll/afterAll; `startScenario` is the same for a
// test that needs its own scenario inside a test body. `withEgressScenario` is the egress
// direction: a real mTLS upstream and a sidecar whose egress listener calls it.
import { afterAll, beforeAll } from 'vitest';
import { call, mtlsAgent, type SimpleResponse } from './client.js';
import { egressUpstream, startEgressSidecar, type RunningEgress } from './egress.js';
import type { LogCapture } from './logs.js';
import { makePki, type CertFiles, type TestPki } from './pki.js';
import { startSidecar, type RunningSidecar, type SidecarOptions } from './sidecar.js';
import { startTlsUpstream, type TlsUpstream, type TlsUpstreamOptions } from './tls-upstream.js';
import { startUpstream, type Handler, type TestUpstream } from './upstream.js';

/** Everything `startSidecar` takes except the upstream, which is the scenario's own app. */
export type ScenarioSidecarOptions = Omit<SidecarOptions, 'upstreamUrl'>;

export interface ScenarioOptions {
  /** The app's handler; the default echoes the request as JSON. */
  app?: Handler;
  /** Hand the app the request before its body is read (for slow or never-ending bodies). */
  streaming?: boolean;
  /**
   * The sidecar's routes, mode and config overrides. A function when they need the PKI or the
   * app first: it may issue certificates, write key files, or hook the app's server, and runs
   * after both exist and before the sidecar starts.
   */
  sidecar?: ScenarioSidecarOptions | ((setup: { pki: TestPki; upstream: TestUpstream }) => ScenarioSidecarOptions | Promise<ScenarioSidecarOptions>);
  /** The beforeAll budget when the setup needs more than the config's hookTimeout (a broker, many certificates). */
  hookTimeoutMs?: number;
}

export interface RequestOptions {
  /** The client certificate; default pki.frontend, `null` for none. */
  who?: CertFiles | null;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface Scenario {
  readonly pki: TestPki;
  readonly upstream: TestUpstream;
  readonly sidecar: RunningSidecar;
  /** The sidecar's log lines. */
  readonly logs: LogCapture;
  /** One request to the sidecar over real mTLS on its own connection, closed afterwards. */
  request(path: string, options?: RequestOptions): Promise<SimpleResponse>;
  /** Stop the sidecar, then the app, then remove the PKI directory. */
  stop(): Promise<void>;
}

export async function startScenario(options: ScenarioOptions = {}): Promise<Scenario> {
  const pki = await makePki();
  let upstream: TestUpstream | undefined;
  try {
    upstream = await startUpstream(options.app, { streaming: options.streaming ?? false });
    const sidecarOptions = typeof options.sidecar === 'function' ? await options.sidecar({ pki, upstream }) : (options.sidecar ?? {});
    const sidecar = await startSidecar(pki, { ...sidecarOptions, upstreamUrl: upstream.url });
    const app = upstream;
    return {
      pki,
      upstream: app,
      sidecar,
      logs: sidecar.logs,
      request: async (path, request = {}) => {
        const who = request.who === undefined ? pki.frontend : (request.who ?? undefined);
        const agent = mtlsAgent(pki, who);
        try {
          return await call(`${sidecar.url}${path}`, agent, { method: request.method, headers: request.headers, body: request.body });
        } finally {
          await agent.close();
        }
      },
      stop: async () => {
        await sidecar.close();
        await app.close();
        pki.cleanup();
      },
    };
  } catch (error) {
    // A sidecar that refused its config must not leave the app listening or the keys on disk.
    await upstream?.close();
    pki.cleanup();
    throw error;
  }
}

/**
 * Start the scenario before the file's tests and stop it after them. `started` hands the parts
 * to the file's own variables, e.g. `withScenario((s) => ({ pki, upstream, sidecar } = s))`.
 */
export function withScenario(started: (scenario: Scenario) => void, options: ScenarioOptions = {}): void {
  let scenario: Scenario | undefined;
  beforeAll(async () => {
    scenario = await startScenario(options);
    started(scenario);
  }, options.hookTimeoutMs);
  afterAll(async () => {
    await scenario?.stop();
  });
}

export interface EgressScenarioOptions {
  /** Issue the certificate the TLS upstream serves (its identity is what a test is about). */
  serve: (pki: TestPki) => Promise<CertFiles> | CertFiles;
  /** The TLS upstream's protocol versions or ciphers. */
  upstream?: TlsUpstreamOptions;
  /** The egress listener's upstreams; default one `orders` entry for the TLS upstream (egressUpstream's defaults). */
  upstreams?: (setup: { pki: TestPki; upstream: TlsUpstream }) => unknown[] | Promise<unknown[]>;
  hookTimeoutMs?: number;
}

export interface EgressScenario {
  readonly pki: TestPki;
  readonly upstream: TlsUpstream;
  readonly sidecar: RunningEgress;
  /** Stop the sidecar, then the upstream, then remove the PKI directory. */
  stop(): Promise<void>;
}

export async function startEgressScenario(options: EgressScenarioOptions): Promise<EgressScenario> {
  const pki = await makePki();
  let upstream: TlsUpstream | undefined;
  try {
    upstream = await startTlsUpstream(pki, await options.serve(pki), options.upstream);
    const served = upstream;
    const upstreams = options.upstreams ? await options.upstreams({ pki, upstream: served }) : [egressUpstream(pki, 'orders', served.url)];
    const sidecar = await startEgressSidecar(pki, upstreams);
    return {
      pki,
      upstream: served,
      sidecar,
      stop: async () => {
        await sidecar.close();
        await served.close();
        pki.cleanup();
      },
    };
  } catch (error) {
    await upstream?.close();
    pki.cleanup();
    throw error;
  }
}

/** Start the egress scenario before the file's tests and stop it after them (as withScenario). */
export function withEgressScenario(started: (scenario: EgressScenario) => void, options: EgressScenarioOptions): void {
  let scenario: EgressScenario | undefined;
  beforeAll(async () => {
    scenario = await startEgressScenario(options);
    started(scenario);
  }, options.hookTimeoutMs);
  afterAll(async () => {
    await scenario?.stop();
  });
}
