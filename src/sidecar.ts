// The running sidecar: inbound listeners, egress listeners and the admin listener, built from a
// validated config.
//
// Reload is build, then swap (ghostunnel's model): build every new listener state first
// (src/proxy/listener-state.ts, which touches nothing live); if any part fails, nothing changes,
// what was built is closed, and the caller learns why. Only then is each state swapped in, and
// only after the swap does anything new start (fetches, token sources).
import type { AddressInfo } from 'node:net';
import type { DestinationStream, Logger } from 'pino';
import { AdminServer } from './admin/admin-server.js';
import { placeAdminEndpoints } from './admin/endpoints.js';
import { loadConfigFile, type LoadedConfig } from './config/load.js';
import { egressMaterialKey } from './config/load-egress.js';
import { InboundListener } from './proxy/inbound-listener.js';
import { signatureCheck } from './checks/signature.js';
import { EgressListener } from './proxy/egress-listener.js';
import { activateListenerStates, buildListenerStates, releaseListenerStates, type ListenerStates } from './proxy/listener-state.js';
import { inPathDrillGate } from './drills/gate.js';
import { restartOnlyChanges } from './config/reload-rules.js';
import { createLoggers } from './telemetry/logger.js';
import { Metrics } from './telemetry/metrics.js';
import { Recorder } from './telemetry/recorder.js';
import { exportZeroSeries } from './telemetry/zero-series.js';
import { VERSION } from './version.js';
import { ProbeScheduler } from './probe/scheduler.js';
import type { CertificateIssuer } from './core/certificate-issuer.js';
import { configuredProbes } from './config/probe-targets.js';
import { forgetProbe, recordProbe } from './telemetry/probe-metrics.js';

export interface SidecarOptions {
  /** Where log lines go (default stdout). Tests pass a stream to read them. */
  readonly logDestination?: DestinationStream;
  /** Makes the periodic mtls probe's throwaway client certificates (`palisade run` passes the certificate factory); without it that check is skipped. */
  readonly certificates?: CertificateIssuer;
}

export interface SidecarAddresses {
  readonly admin: AddressInfo;
  /** The inspect listener (sensitive admin endpoints), when one runs. */
  readonly inspect?: AddressInfo;
  readonly inbound: Record<string, AddressInfo>;
  readonly egress: Record<string, AddressInfo>;
}

export class ReloadError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('; '));
  }
}

export class Sidecar {
  readonly metrics = new Metrics(VERSION);
  readonly log: Logger;
  private readonly audit: Logger;
  private readonly recorder: Recorder;
  private readonly listeners = new Map<string, InboundListener>();
  private readonly egressListeners = new Map<string, EgressListener>();
  private admin: AdminServer | undefined;
  private inspect: AdminServer | undefined;
  private loaded: LoadedConfig;
  private started = false;
  private draining = false;
  /** Periodic TLS probes (`probes:` and `egress[].upstreams[].probe`). */
  private readonly probes: ProbeScheduler;

  constructor(loaded: LoadedConfig, options: SidecarOptions = {}) {
    this.loaded = loaded;
    const loggers = createLoggers(loaded.config.log.level, options.logDestination);
    this.log = loggers.log;
    this.audit = loggers.audit;
    this.recorder = new Recorder(this.metrics, loggers.audit);
    this.metrics.readiness = () => this.notReadyReason() === undefined;
    this.metrics.admission = () => [...this.listeners.values()].map((listener) => ({ listener: listener.name, active: listener.currentState.admission.active, pending: listener.currentState.admission.pending }));
    this.metrics.replayCaches = () =>
      [...this.listeners.values()].flatMap((listener) => {
        const replay = listener.currentState.chain.stateOf(signatureCheck)?.replay;
        return replay ? [{ listener: listener.name, entries: replay.size, capacity: replay.limit, evictions: replay.evictions }] : [];
      });
    this.probes = new ProbeScheduler(
      (target, report) => recordProbe(this.metrics, this.log, target, report),
      (target) => forgetProbe(this.metrics, target),
      options.certificates,
    );
  }

  get config(): LoadedConfig['config'] {
    return this.loaded.config;
  }

  async start(): Promise<SidecarAddresses> {
    const { config } = this.loaded;
    // In-path drills are staging-only: refuse before a listener opens (`palisade run` exits 2 on this first).
    const gate = inPathDrillGate(config, process.env);
    if (gate.length > 0) throw new ReloadError(gate);
    const sources = {
      registry: this.metrics.registry,
      notReadyReason: () => this.notReadyReason(),
      identities: () => this.recorder.inventory.snapshot(),
      probes: () => this.probes.reports(),
    };
    // Public endpoints on the admin listener; sensitive ones only on loopback or over mTLS.
    const placement = placeAdminEndpoints(config.admin);
    this.admin = new AdminServer(config.admin.address, config.admin.port, sources, { servePublic: true, serveSensitive: placement.adminServesSensitive });
    const admin = await this.admin.listen();
    let inspect: AddressInfo | undefined;
    if (placement.inspect) {
      const tls = this.loaded.adminTls && config.admin.inspect?.allow ? { contextOptions: this.loaded.adminTls.contextOptions, allow: config.admin.inspect.allow } : undefined;
      this.inspect = new AdminServer(placement.inspect.address, placement.inspect.port, sources, { servePublic: false, serveSensitive: true, ...(tls ? { tls } : {}) });
      inspect = await this.inspect.listen();
    }
    exportZeroSeries(this.metrics, config);
    const built = buildListenerStates(this.loaded, undefined, this.recorder);
    if (!built.ok) throw new ReloadError(built.errors);
    const inbound: Record<string, AddressInfo> = {};
    for (const [name, state] of built.states.inbound) {
      const listener = new InboundListener(state, this.recorder, this.log);
      this.listeners.set(name, listener);
      inbound[name] = await listener.listen();
      this.recorder.certificates(name, [{ role: 'server', own: state.material.server, trustAnchors: state.material.trustAnchors }]);
    }
    const egress: Record<string, AddressInfo> = {};
    for (const [name, state] of built.states.egress) {
      const listener = new EgressListener(state, this.recorder, this.log);
      this.egressListeners.set(name, listener);
      egress[name] = await listener.listen();
      this.recordEgressCertificates(name, this.loaded);
    }
    activateListenerStates(built.states);
    this.probes.update(configuredProbes(config, this.loaded.baseDir));
    this.probes.start();
    this.started = true;
    this.log.info({ type: 'lifecycle', admin: `${admin.address}:${admin.port}`, ...(inspect ? { inspect: `${inspect.address}:${inspect.port}` } : {}), inbound, egress, version: VERSION }, 'palisade started');
    return { admin, inbound, egress, ...(inspect ? { inspect } : {}) };
  }

  notReadyReason(now = Date.now()): string | undefined {
    if (this.draining) return 'draining';
    if (!this.started) return 'starting';
    // A certificate that expired while running (and was not rotated) makes every handshake
    // fail for peers that check expiry: take the pod out of rotation rather than serve errors.
    for (const [name, material] of this.loaded.tls) {
      if (material.server.validTo.getTime() <= now) return `listener ${name}: its certificate expired at ${material.server.validTo.toISOString()}`;
    }
    return undefined;
  }

  /** Apply a new, already validated config. Throws ReloadError and changes nothing on failure. */
  reload(next: LoadedConfig): void {
    const errors: string[] = [];
    const current = this.loaded.config;
    // Keys a running listener cannot change, each named by its path (inbound[0].port: ...).
    errors.push(...restartOnlyChanges(current, next.config));
    for (const [index, listener] of next.config.inbound.entries()) {
      const running = this.listeners.get(listener.name);
      if (running && listener.tls.handshakeTimeoutMs !== current.inbound[index]?.tls.handshakeTimeoutMs && !running.canSetHandshakeTimeout) {
        errors.push(`inbound[${index}].tls.handshakeTimeoutMs: this Node.js cannot change it on a running listener; restart the sidecar`);
      }
    }
    if (JSON.stringify(placeAdminEndpoints(next.config.admin)) !== JSON.stringify(placeAdminEndpoints(current.admin))) {
      errors.push('admin.inspect: address, port and whether it uses tls cannot change on reload; restart the sidecar');
    }
    errors.push(...inPathDrillGate(next.config, process.env));
    if (errors.length > 0) throw new ReloadError(errors);

    const running = this.runningStates();
    const built = buildListenerStates(next, running, this.recorder);
    if (!built.ok) throw new ReloadError(built.errors);
    // Every state built: now swap, one assignment per listener (restart-only keys above keep the
    // set of listeners the same; the certificates were already proven by createSecureContext at
    // load), then start what the new states need.
    for (const [name, state] of built.states.egress) this.egressListeners.get(name)?.update(state);
    for (const [name, state] of built.states.inbound) this.listeners.get(name)?.update(state);
    activateListenerStates(built.states, running);
    for (const name of built.states.egress.keys()) this.recordEgressCertificates(name, next);
    for (const [name, state] of built.states.inbound) this.recorder.certificates(name, [{ role: 'server', own: state.material.server, trustAnchors: state.material.trustAnchors }]);
    if (next.adminTls) this.inspect?.updateTls(next.adminTls.contextOptions);
    this.inspect?.setAllow(next.config.admin.inspect?.allow ?? []);
    this.loaded = next;
    exportZeroSeries(this.metrics, next.config);
    this.probes.update(configuredProbes(next.config, next.baseDir));
    this.audit.level = next.config.log.level;
    this.log.level = next.config.log.level;
  }

  get baseDir(): string {
    return this.loaded.baseDir;
  }

  /** SIGHUP or a file change: re-read the config file and its certificates. Logs and counts the outcome. */
  reloadFromFile(path: string, trigger: 'SIGHUP' | 'file change' = 'SIGHUP'): boolean {
    const result = loadConfigFile(path);
    try {
      if (!result.ok) throw new ReloadError(result.errors);
      this.reload(result.value);
      this.metrics.configReloads.inc({ result: 'success' });
      for (const { name } of tlsListeners(result.value.config)) this.metrics.certificateReloads.inc({ listener: name, result: 'success' });
      this.log.info({ type: 'reload', result: 'success', trigger, config: path }, 'config reloaded');
      return true;
    } catch (error) {
      const errors = error instanceof ReloadError ? error.errors : [(error as Error).message];
      this.metrics.configReloads.inc({ result: 'error' });
      // A failure that names a listener's TLS material also counts as a certificate reload error.
      for (const { name, namesMaterial } of tlsListeners(this.loaded.config)) {
        if (errors.some(namesMaterial)) this.metrics.certificateReloads.inc({ listener: name, result: 'error' });
      }
      this.log.error({ type: 'reload', result: 'error', trigger, config: path, errors }, 'config reload failed; keeping the running config');
      return false;
    }
  }

  /**
   * Graceful shutdown: readiness goes false, listeners stop accepting, idle connections close,
   * in-flight requests finish until the deadline, then whatever is left is closed.
   */
  async drain(deadlineMs = this.loaded.config.drainTimeoutMs): Promise<{ forced: number }> {
    this.draining = true;
    this.log.info({ type: 'lifecycle', deadline_ms: deadlineMs }, 'draining');
    const all = [...this.listeners.values(), ...this.egressListeners.values()];
    for (const listener of all) listener.drain();
    await this.probes.stop();
    const until = Date.now() + deadlineMs;
    const open = () => all.reduce((sum, listener) => sum + listener.openConnections, 0);
    while (open() > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 25));
    const forced = open();
    for (const listener of all) await listener.forceClose();
    await this.inspect?.close();
    releaseListenerStates(this.runningStates());
    await this.admin?.close();
    this.log.info({ type: 'lifecycle', forced_connections: forced }, 'stopped');
    // Log lines are written in batches: every line, this one included, is out before drain returns.
    await new Promise<void>((resolve) => this.log.flush(() => resolve()));
    return { forced };
  }

  async close(): Promise<void> {
    await this.drain(0);
  }

  /** Expiry of the client certificates and trust bundles an egress listener's upstreams use. */
  private recordEgressCertificates(name: string, loaded: LoadedConfig): void {
    const upstreams = loaded.config.egress.find((listener) => listener.name === name)?.upstreams ?? [];
    const materials = upstreams.flatMap((upstream) => {
      const material = loaded.egressTls.get(egressMaterialKey(name, upstream.name));
      return material ? [{ role: 'client' as const, own: material.client, trustAnchors: material.trustAnchors }] : [];
    });
    this.recorder.certificates(name, materials);
  }

  /** The state every listener serves from now. */
  private runningStates(): ListenerStates {
    return {
      inbound: new Map([...this.listeners].map(([name, listener]) => [name, listener.currentState])),
      egress: new Map([...this.egressListeners].map(([name, listener]) => [name, listener.currentState])),
    };
  }
}

/** Every listener that holds TLS material, and how to tell that an error message is about it. */
function tlsListeners(config: LoadedConfig['config']): Array<{ name: string; namesMaterial: (message: string) => boolean }> {
  return [
    ...config.inbound.map((listener, index) => ({ name: listener.name, namesMaterial: (message: string) => message.startsWith(`inbound[${index}].tls`) })),
    // Egress material errors name the upstream: egress[i].upstreams[j].tls...
    ...config.egress.map((listener, index) => {
      const pattern = new RegExp(`^egress\\[${index}\\]\\.upstreams\\[\\d+\\]\\.tls`);
      return { name: listener.name, namesMaterial: (message: string) => pattern.test(message) };
    }),
  ];
}
