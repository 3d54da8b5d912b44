// Every Palisade metric, in one file, on a registry of its own (never prom-client's global
// one, so two sidecars in one process, as in tests, never share counters).
//
// Labels stay bounded: listener and route names come from config, reasons from REASONS, and
// versions from OpenSSL's short list. No label ever holds free text from a peer.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { PeerExpiryTracker } from './peer-expiry.js';
import { SeriesCounter, SeriesHistogram } from './resolved-series.js';

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();

  readonly requests = new SeriesCounter({
    name: 'palisade_requests_total',
    help: 'Requests by listener, route, decision (allow, deny, would_deny) and reason code.',
    labelNames: ['listener', 'route', 'decision', 'reason'] as const,
    registers: [this.registry],
  });

  readonly requestDuration = new SeriesHistogram({
    name: 'palisade_request_duration_seconds',
    help: 'Time from request start to the last byte of the response, as seen by the sidecar.',
    labelNames: ['listener', 'route'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly upstreamDuration = new SeriesHistogram({
    name: 'palisade_upstream_duration_seconds',
    help: 'Time from sending the request upstream to the last byte of its response.',
    labelNames: ['listener'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly tlsHandshakes = new Counter({
    name: 'palisade_tls_handshakes_total',
    help: 'TLS handshakes by listener, protocol version, result (success, failure) and reason code.',
    labelNames: ['listener', 'version', 'result', 'reason'] as const,
    registers: [this.registry],
  });

  // Tokens: issuer is a configured issuer name or "unknown"; reason a REASONS code or "none".
  readonly tokenVerifications = new Counter({
    name: 'palisade_token_verifications_total',
    help: 'Bearer token verifications by listener, issuer, result (success, failure) and reason code. Cache hits count too.',
    labelNames: ['listener', 'issuer', 'result', 'reason'] as const,
    registers: [this.registry],
  });

  // Signatures: keyid is a configured keyid, "unknown" (not in the registry) or "none" (no signature).
  readonly signatureVerifications = new Counter({
    name: 'palisade_signature_verifications_total',
    help: 'RFC 9421 signature verifications by listener, keyid, result (success, failure) and reason code.',
    labelNames: ['listener', 'keyid', 'result', 'reason'] as const,
    registers: [this.registry],
  });

  /** Set by the sidecar: each signature-checking listener's replay cache, read at scrape time. */
  replayCaches: () => ReadonlyArray<{ listener: string; entries: number; capacity: number; evictions: number }> = () => [];

  // The replay cache, so its filling up is seen before it forgets live nonces: when full, the
  // oldest entry is dropped, and a request replayed after that within its window is accepted.
  readonly replayCacheEntries: Gauge = new Gauge({
    name: 'palisade_signature_replay_cache_entries',
    help: 'Nonces (or signed contents) the signature replay cache remembers now, per inbound listener.',
    labelNames: ['listener'] as const,
    registers: [this.registry],
    collect: (): void => {
      this.replayCacheEntries.reset();
      for (const sample of this.replayCaches()) this.replayCacheEntries.set({ listener: sample.listener }, sample.entries);
    },
  });

  readonly replayCacheCapacity: Gauge = new Gauge({
    name: 'palisade_signature_replay_cache_capacity',
    help: 'The most entries the signature replay cache holds (signatures.replayCacheSize), per inbound listener.',
    labelNames: ['listener'] as const,
    registers: [this.registry],
    collect: (): void => {
      this.replayCacheCapacity.reset();
      for (const sample of this.replayCaches()) this.replayCacheCapacity.set({ listener: sample.listener }, sample.capacity);
    },
  });

  // A counter read from the cache's own count (which survives reloads), not incremented here:
  // the cache belongs to the check, and a check never writes telemetry.
  readonly replayCacheEvictions: Counter = new Counter({
    name: 'palisade_signature_replay_cache_evictions_total',
    help: 'Live entries the signature replay cache forgot because it was full: replays of those requests are no longer detected. Raise signatures.replayCacheSize above rate x maxAgeMs.',
    labelNames: ['listener'] as const,
    registers: [this.registry],
    collect: (): void => {
      this.replayCacheEvictions.reset();
      for (const sample of this.replayCaches()) this.replayCacheEvictions.inc({ listener: sample.listener }, sample.evictions);
    },
  });

  // Egress: separate metrics rather than an `upstream` label on the ones above, so the inbound
  // series keep the label sets dashboards and alerts already use. `upstream` is a configured name.
  readonly upstreamTlsHandshakes = new Counter({
    name: 'palisade_upstream_tls_handshakes_total',
    help: 'Connections the sidecar originated to egress upstreams, by listener, upstream, protocol version, result and reason code.',
    labelNames: ['listener', 'upstream', 'version', 'result', 'reason'] as const,
    registers: [this.registry],
  });

  readonly egressUpstreamDuration = new SeriesHistogram({
    name: 'palisade_egress_upstream_duration_seconds',
    help: 'Egress: time from sending the request to an upstream to the last byte of its response, per upstream.',
    labelNames: ['listener', 'upstream'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  // Overload protection: `reason` is one of max_connections, max_connections_per_address,
  // max_connections_per_identity (src/proxy/connection-limits.ts); never a peer's address.
  readonly connectionsRefused = new Counter({
    name: 'palisade_connections_refused_total',
    help: 'Connections closed at accept or right after the handshake because a connection cap was reached, by listener and reason code.',
    labelNames: ['listener', 'reason'] as const,
    registers: [this.registry],
  });

  /** Set by the sidecar: each inbound listener's admission counts, read at scrape time. */
  admission: () => ReadonlyArray<{ listener: string; active: number; pending: number }> = () => [];

  readonly upstreamRequestsActive: Gauge = new Gauge({
    name: 'palisade_upstream_requests_active',
    help: 'Requests holding an app connection now, per inbound listener (at most upstream.connections).',
    labelNames: ['listener'] as const,
    registers: [this.registry],
    collect: (): void => {
      for (const sample of this.admission()) this.upstreamRequestsActive.set({ listener: sample.listener }, sample.active);
    },
  });

  readonly upstreamRequestsPending: Gauge = new Gauge({
    name: 'palisade_upstream_requests_pending',
    help: 'Requests waiting for an app connection now, per inbound listener (at most upstream.maxPending).',
    labelNames: ['listener'] as const,
    registers: [this.registry],
    collect: (): void => {
      for (const sample of this.admission()) this.upstreamRequestsPending.set({ listener: sample.listener }, sample.pending);
    },
  });

  readonly connectionsOpen = new Gauge({
    name: 'palisade_connections_open',
    help: 'Connections open on each listener, counted from accept (before the TLS handshake) to close.',
    labelNames: ['listener'] as const,
    registers: [this.registry],
  });

  // Egress tokens: `upstream` is a configured upstream name.
  readonly egressTokenFetches = new Counter({
    name: 'palisade_egress_token_fetches_total',
    help: 'Egress access token requests to the token endpoint, by upstream and result (success, failure).',
    labelNames: ['upstream', 'result'] as const,
    registers: [this.registry],
  });

  readonly egressTokenExpiry = new Gauge({
    name: 'palisade_egress_token_expiry_timestamp_seconds',
    help: 'Expiry (Unix time) of the access token the sidecar holds for each egress upstream.',
    labelNames: ['upstream'] as const,
    registers: [this.registry],
  });

  readonly certificateExpiry = new Gauge({
    name: 'palisade_certificate_expiry_timestamp_seconds',
    help: 'Expiry (Unix time) of the certificates the sidecar holds: its own and its trust anchors.',
    labelNames: ['listener', 'role', 'subject'] as const,
    registers: [this.registry],
  });

  readonly certificateNotBefore = new Gauge({
    name: 'palisade_certificate_not_before_timestamp_seconds',
    help: 'Start of validity (Unix time) of the same certificates: expiry minus this is the lifetime, so alerts can be relative to it.',
    labelNames: ['listener', 'role', 'subject'] as const,
    registers: [this.registry],
  });

  readonly peerExpiry = new PeerExpiryTracker();

  readonly peerCertificateExpiry: Gauge = new Gauge({
    name: 'palisade_peer_certificate_expiry_seconds',
    help: 'Least remaining lifetime (seconds) among the certificates each configured identity presented in the last hour.',
    labelNames: ['listener', 'identity'] as const,
    registers: [this.registry],
    collect: (): void => {
      this.peerCertificateExpiry.reset();
      for (const sample of this.peerExpiry.samples()) this.peerCertificateExpiry.set({ listener: sample.listener, identity: sample.identity }, sample.seconds);
    },
  });

  readonly certificateReloads = new Counter({
    name: 'palisade_certificate_reloads_total',
    help: 'Certificate reloads by listener and result (success, error). An error keeps the old material.',
    labelNames: ['listener', 'result'] as const,
    registers: [this.registry],
  });

  readonly configReloads = new Counter({
    name: 'palisade_config_reloads_total',
    help: 'Config reloads (SIGHUP) by result (success, error). An error keeps the running config.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  // Periodic probes: `target` is a configured probe name (or `listener/upstream`), `check` one of the
  // five check families, `severity` one of five; so the series are bounded by the config.
  readonly probeFindings = new Gauge({
    name: 'palisade_probe_findings',
    help: 'Findings of the last probe of each target, by check family and severity.',
    labelNames: ['target', 'check', 'severity'] as const,
    registers: [this.registry],
  });

  readonly probeLastRun = new Gauge({
    name: 'palisade_probe_last_run_timestamp_seconds',
    help: 'When the last probe of each target finished (Unix time).',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  readonly probeDuration = new Gauge({
    name: 'palisade_probe_duration_seconds',
    help: 'How long the last probe of each target took.',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  readonly probeUp = new Gauge({
    name: 'palisade_probe_up',
    help: '1 when the last probe of each target reached it (TCP and a TLS answer), 0 when not.',
    labelNames: ['target'] as const,
    registers: [this.registry],
  });

  /** Set by the sidecar; read at scrape time so the gauge can never disagree with /readyz. */
  readiness: () => boolean = () => false;

  readonly ready: Gauge = new Gauge({
    name: 'palisade_ready',
    help: '1 while /readyz answers 200: certificates loaded and valid, listeners up, not draining.',
    registers: [this.registry],
    collect: (): void => this.ready.set(this.readiness() ? 1 : 0),
  });

  readonly buildInfo = new Gauge({
    name: 'palisade_build_info',
    help: 'Always 1; labels carry the Palisade and Node.js versions.',
    labelNames: ['version', 'node'] as const,
    registers: [this.registry],
  });

  // In-path drills (staging sidecars with `drills:`): scenario from the in-path catalogue, target
  // a configured listener (inbound) or upstream (egress) name, outcome resisted/vulnerable/error.
  readonly drillResults = new Counter({
    name: 'palisade_drill_results_total',
    help: 'In-path MITM drill results by scenario, target (a configured listener or upstream) and outcome (resisted, vulnerable, error).',
    labelNames: ['scenario', 'target', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(version: string) {
    collectDefaultMetrics({ register: this.registry });
    // prom-client exports these sums as gauges named *_total, which Prometheus naming rules (and
    // `promtool check metrics`) reserve for counters. The per-type gauges without the suffix stay.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      this.registry.removeSingleMetric(name);
    }
    this.buildInfo.set({ version, node: process.version }, 1);
  }
}

/**
 * `palisade drill` is a batch job: its series go to a Pushgateway or a node_exporter textfile,
 * on a registry of their own without process metrics (a finished job's heap is noise there).
 * Labels: scenario names from the drill catalogue, target names from the drill file, outcome
 * one of resisted, vulnerable, error. Never peer input.
 */
export class DrillMetrics {
  readonly registry = new Registry();

  readonly results = new Counter({
    name: 'palisade_drill_results_total',
    help: 'MITM drill results by scenario, target (a configured name) and outcome (resisted, vulnerable, error).',
    labelNames: ['scenario', 'target', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly lastRun = new Gauge({
    name: 'palisade_drill_last_run_timestamp_seconds',
    help: 'When the drill run that pushed or wrote these series finished (Unix time): alert when drills stop running.',
    registers: [this.registry],
  });
}

/**
 * The token broker's metrics (`palisade broker`), on a registry of its own, served by the
 * broker's admin listener. `client` is a grant name from the grants file, or `none` when no
 * grant matched: bounded by configuration, never the client's own text.
 */
export class BrokerMetrics {
  readonly registry = new Registry();

  readonly grants = new Counter({
    name: 'palisade_broker_grants_total',
    help: 'Token requests by grant (client), result (granted, refused) and reason (none or an OAuth error code).',
    labelNames: ['client', 'result', 'reason'] as const,
    registers: [this.registry],
  });

  readonly revocations = new Counter({
    name: 'palisade_broker_revocations_total',
    help: 'Revocations by kind: token (one jti) or grant (identity x scope, with its live tokens).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  /** Set by the broker; read at scrape time. */
  keyAge: () => number = () => 0;

  readonly keyAgeSeconds: Gauge = new Gauge({
    name: 'palisade_broker_key_age_seconds',
    help: 'Age of the current signing key, in seconds.',
    registers: [this.registry],
    collect: (): void => this.keyAgeSeconds.set(this.keyAge()),
  });

  constructor(version: string) {
    collectDefaultMetrics({ register: this.registry });
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      this.registry.removeSingleMetric(name);
    }
    new Gauge({ name: 'palisade_build_info', help: 'Always 1; labels carry the Palisade and Node.js versions.', labelNames: ['version', 'node'] as const, registers: [this.registry] }).set({ version, node: process.version }, 1);
  }
}
