// Counters whose label sets are known from the config are exported at 0 from startup.
//
// A counter series that first appears at 1 is invisible to increase() and rate(): Prometheus
// needs a sample before the change. So "the first config reload failed" or "the first denial on
// this route" would never fire an alert. Called at start and after every reload (new listeners,
// routes or issuers get their zero series; inc(0) leaves existing counts alone).
import type { Config } from '../config/schema.js';
import type { Metrics } from './metrics.js';

const DECISIONS = ['allow', 'deny', 'would_deny'] as const;
const RESULTS = ['success', 'error'] as const;

export function exportZeroSeries(metrics: Metrics, config: Config): void {
  for (const result of RESULTS) metrics.configReloads.inc({ result }, 0);
  for (const listener of config.inbound) {
    for (const result of RESULTS) metrics.certificateReloads.inc({ listener: listener.name, result }, 0);
    for (const route of [...listener.routes.map((r) => r.name), 'unmatched']) {
      for (const decision of DECISIONS) metrics.requests.inc({ listener: listener.name, route, decision, reason: 'none' }, 0);
    }
    for (const version of tlsVersions(listener.tls.minVersion, listener.tls.maxVersion)) {
      metrics.tlsHandshakes.inc({ listener: listener.name, version, result: 'success', reason: 'none' }, 0);
    }
    for (const issuer of listener.tokens?.issuers ?? []) {
      metrics.tokenVerifications.inc({ listener: listener.name, issuer: issuer.name, result: 'success', reason: 'none' }, 0);
    }
    for (const key of listener.signatures?.keys ?? []) {
      metrics.signatureVerifications.inc({ listener: listener.name, keyid: key.keyid, result: 'success', reason: 'none' }, 0);
    }
  }
  for (const listener of config.egress) {
    for (const result of RESULTS) metrics.certificateReloads.inc({ listener: listener.name, result }, 0);
  }
}

function tlsVersions(min: string, max: string): string[] {
  return ['TLSv1.2', 'TLSv1.3'].filter((version) => version >= min && version <= max);
}
