// The one place a periodic probe's report becomes telemetry: the four probe gauges and one log
// line per run. Every check × severity pair of a target is set (zeros included), so an alert on
// `palisade_probe_findings{severity="critical"} > 0` clears when the finding goes away.
import type { Logger } from 'pino';
import { SEVERITIES } from '../report/findings.js';
import { CHECKS, type ProbeReport } from '../probe/types.js';
import type { Metrics } from './metrics.js';

export function recordProbe(metrics: Metrics, log: Logger, target: string, report: ProbeReport): void {
  forgetProbeFindings(metrics, target);
  const up = report.reachable ? 1 : 0;
  metrics.probeUp.set({ target }, up);
  metrics.probeLastRun.set({ target }, Math.floor(Date.now() / 1000));
  metrics.probeDuration.set({ target }, report.durationMs / 1000);
  const counts: Record<string, number> = {};
  for (const check of CHECKS) {
    if (!report.checks[check]) continue;
    for (const severity of SEVERITIES) {
      const count = report.findings.filter((finding) => finding.check === check && finding.severity === severity).length;
      metrics.probeFindings.set({ target, check, severity }, count);
      if (count > 0) counts[severity] = (counts[severity] ?? 0) + count;
    }
  }
  const line = { type: 'probe', target, up: report.reachable, duration_ms: report.durationMs, findings: counts, incomplete: report.incomplete, ...(report.error ? { error: report.error } : {}) };
  if (report.reachable) log.info(line, 'probe finished');
  else log.warn(line, 'probe could not reach its target');
}

function forgetProbeFindings(metrics: Metrics, target: string): void {
  for (const check of CHECKS) for (const severity of SEVERITIES) metrics.probeFindings.remove({ target, check, severity });
}

/** A target a reload removed: its series go too. */
export function forgetProbe(metrics: Metrics, target: string): void {
  forgetProbeFindings(metrics, target);
  metrics.probeUp.remove({ target });
  metrics.probeLastRun.remove({ target });
  metrics.probeDuration.remove({ target });
}
