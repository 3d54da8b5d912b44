// Records a drill run's results as metrics and ships them the two ways batch jobs do: a push
// to a Prometheus Pushgateway (PUT replaces the job's group, so a run's results replace the
// previous run's) and a file for node_exporter's textfile collector (written beside, then
// renamed, so the collector never reads half a file).
import { renameSync, writeFileSync } from 'node:fs';
import type { DrillRun } from '../drills/run.js';
import { DrillMetrics } from './metrics.js';

export const PUSH_JOB = 'palisade_drill';

export function drillMetrics(run: DrillRun): DrillMetrics {
  const metrics = new DrillMetrics();
  for (const result of run.results) metrics.results.inc({ scenario: result.scenario, target: result.target, outcome: result.outcome });
  metrics.lastRun.set(Date.parse(run.finishedAt) / 1000);
  return metrics;
}

/** The Pushgateway URL for this run's group: job=palisade_drill, drill=<drill file name>. */
export function pushUrl(base: string, drill: string): string {
  const url = new URL(base);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--pushgateway ${base}: must be an http:// or https:// URL`);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = `${path}/metrics/job/${encodeURIComponent(PUSH_JOB)}/drill/${encodeURIComponent(drill)}`;
  return url.toString();
}

export async function pushToGateway(base: string, metrics: DrillMetrics, drill: string, timeoutMs = 10_000): Promise<void> {
  const url = pushUrl(base, drill);
  const response = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': metrics.registry.contentType },
    body: await metrics.registry.metrics(),
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((error: unknown) => {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new Error(`push to ${url} failed: ${cause}`);
  });
  if (response.status < 200 || response.status >= 300) {
    const text = (await response.text()).slice(0, 200);
    throw new Error(`push to ${url} failed: HTTP ${response.status} ${text}`);
  }
}

export async function writeMetricsFile(path: string, metrics: DrillMetrics): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, await metrics.registry.metrics());
  renameSync(temp, path);
}
