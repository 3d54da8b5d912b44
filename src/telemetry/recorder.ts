// The one place a finished request becomes telemetry: a metric increment, a duration sample
// and one audit log line. Nothing else in the request path writes metrics or logs.
import type { DestinationStream, Logger } from 'pino';
import type { ConnectionRefusal, ReasonCode } from '../core/reasons.js';
import type { CertSummary } from '../tls/material.js';
import type { ListenerPolicy } from '../checks/types.js';
import type { PeerInfo } from '../tls/peer-identity.js';
import type { Metrics } from './metrics.js';
import type { InPathRecord } from '../drills/in-path.js';
import { IdentityInventory } from './inventory.js';
import { RequestSeries } from './request-series.js';
import { identityLabel } from './peer-expiry.js';
import { destinationOf } from './logger.js';
import { requestLine } from './request-line.js';
import type { RequestOutcome } from './request-outcome.js';

// The finished request's record has its own file, so request-line.ts formats it without
// importing the recorder; it is still imported from here.
export type { RequestOutcome } from './request-outcome.js';

/** Refused connections are logged at most this often per listener and reason (a flood is thousands a second). */
const REFUSAL_LOG_MS = 10_000;

export class Recorder {
  /** Label sets of the certificate gauges per listener, so a reload removes stale series. */
  private readonly certificateLabels = new Map<string, Array<Record<string, string>>>();
  /** Every identity seen on inbound listeners (/identities), bounded. */
  readonly inventory = new IdentityInventory();
  private readonly refusalLog = new Map<string, { count: number; loggedAt: number }>();
  /** The request metrics' series, resolved once per label combination (no label hashing per request). */
  private readonly series: RequestSeries;
  /** Where the audit logger writes: the request line goes there directly (request-line.ts). */
  private readonly auditDestination: DestinationStream;

  constructor(
    private readonly metrics: Metrics,
    private readonly audit: Logger,
  ) {
    this.series = new RequestSeries(metrics);
    this.auditDestination = destinationOf(audit);
  }

  /** One in-path drill copy: the metric and one audit line (scenario, target, outcome; no secret). */
  drill(record: InPathRecord): void {
    this.metrics.drillResults.inc({ scenario: record.scenario, target: record.target, outcome: record.outcome });
    this.audit.info({ type: 'drill_attempt', family: 'in_path', ...record }, 'drill attempt');
  }

  request(outcome: RequestOutcome): void {
    this.series.request(outcome.listener, outcome.route, outcome.decision, outcome.reason).inc();
    this.series.duration(outcome.listener, outcome.route).observe(outcome.durationSeconds);
    if (outcome.upstreamSeconds !== undefined) this.series.upstreamDuration(outcome.listener).observe(outcome.upstreamSeconds);
    if (outcome.upstreamSeconds !== undefined && outcome.upstream !== undefined) {
      this.series.egressUpstreamDuration(outcome.listener, outcome.upstream).observe(outcome.upstreamSeconds);
    }
    if (outcome.facts) {
      const verification = outcome.facts.get('tokenVerification');
      if (verification) this.metrics.tokenVerifications.inc({ listener: outcome.listener, issuer: verification.issuer, result: verification.result, reason: verification.reason });
      const signature = outcome.facts.get('signatureVerification');
      if (signature) this.metrics.signatureVerifications.inc({ listener: outcome.listener, keyid: signature.keyid, result: signature.result, reason: signature.reason });
      this.inventory.observe({ listener: outcome.listener, identity: outcome.peer, route: outcome.route, decision: outcome.decision, reason: outcome.reason, facts: outcome.facts, at: Date.now() });
    }
    // Above info (warn, the usual production choice for a quiet sidecar) nothing is built for
    // the line at all: pino would drop it, but only after this object and its reasons existed.
    if (!this.audit.isLevelEnabled('info')) return;
    // The line pino would write for this record, built in one go (request-line.ts).
    this.auditDestination.write(requestLine(outcome, Date.now()));
  }

  handshake(listener: string, version: string, result: 'success' | 'failure', reason: ReasonCode | 'none', detail?: string): void {
    this.metrics.tlsHandshakes.inc({ listener, version, result, reason });
    if (result === 'failure') this.audit.info({ type: 'handshake', listener, version, reason, detail }, 'tls handshake refused');
  }

  /** Egress: a connection the sidecar originated to an upstream, verified or refused. */
  upstreamHandshake(listener: string, upstream: string, version: string, result: 'success' | 'failure', reason: ReasonCode | 'none', detail?: string): void {
    this.metrics.upstreamTlsHandshakes.inc({ listener, upstream, version, result, reason });
    if (result === 'failure') this.audit.info({ type: 'upstream_handshake', listener, upstream, version, reason, detail }, 'upstream tls handshake refused');
  }

  /** A connection was accepted (before any handshake) or closed: palisade_connections_open. */
  connectionOpened(listener: string): void {
    this.metrics.connectionsOpen.inc({ listener });
  }

  connectionClosed(listener: string): void {
    this.metrics.connectionsOpen.dec({ listener });
  }

  /**
   * A connection refused by a cap. Counted each time; logged not one line each (a flood would
   * write thousands of lines a second) but as a summary line.
   */
  connectionRefused(listener: string, reason: ConnectionRefusal, now = Date.now()): void {
    this.metrics.connectionsRefused.inc({ listener, reason });
    // One line at the first refusal, then at most one per REFUSAL_LOG_MS per listener and
    // reason, with the count since the last line.
    const key = `${listener}\u0000${reason}`;
    const state = this.refusalLog.get(key) ?? { count: 0, loggedAt: -Infinity };
    state.count++;
    this.refusalLog.set(key, state);
    if (now - state.loggedAt < REFUSAL_LOG_MS) return;
    this.audit.warn({ type: 'connection_refused', listener, reason, count: state.count }, 'connections refused');
    state.count = 0;
    state.loggedAt = now;
  }

  /** Egress tokens: what a token source reports, as metrics and (failures only) a log line. Never the token. */
  egressTokenEvents(upstream: string): { fetched(result: 'success' | 'failure', detail: string | undefined): void; expiry(seconds: number): void } {
    return {
      fetched: (result, detail) => {
        this.metrics.egressTokenFetches.inc({ upstream, result });
        if (result === 'failure') this.audit.warn({ type: 'egress_token', upstream, result, detail }, 'egress token fetch failed');
      },
      expiry: (seconds) => this.metrics.egressTokenExpiry.set({ upstream }, seconds),
    };
  }

  /** A verified peer connected: track its certificate's expiry under its configured identity. */
  peerCertificate(listener: string, policy: ListenerPolicy, peer: PeerInfo): void {
    this.metrics.peerExpiry.seen(listener, identityLabel(policy, peer), peer);
  }

  /**
   * Export expiry of a listener's own certificates and trust anchors (after start or reload):
   * an inbound listener's server certificate, or an egress listener's client certificates,
   * and the CAs each trusts. Series of the previous material are removed first.
   */
  certificates(listener: string, materials: ReadonlyArray<{ role: 'server' | 'client'; own: CertSummary; trustAnchors: readonly CertSummary[] }>): void {
    for (const labels of this.certificateLabels.get(listener) ?? []) {
      this.metrics.certificateExpiry.remove(labels);
      this.metrics.certificateNotBefore.remove(labels);
    }
    const labels = new Map<string, Record<string, string>>();
    const set = (role: string, cert: CertSummary) => {
      const series = { listener, role, subject: cert.subject };
      this.metrics.certificateExpiry.set(series, Math.floor(cert.validTo.getTime() / 1000));
      if (cert.validFrom) this.metrics.certificateNotBefore.set(series, Math.floor(cert.validFrom.getTime() / 1000));
      labels.set(`${role}\u0000${cert.subject}`, series);
    };
    for (const material of materials) {
      set(material.role, material.own);
      for (const anchor of material.trustAnchors) set('ca', anchor);
    }
    this.certificateLabels.set(listener, [...labels.values()]);
  }
}
