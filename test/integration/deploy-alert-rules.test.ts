// The shipped Prometheus files hold up with the real promtool: the alert rules load
// (`promtool check rules`), their unit tests pass (`promtool test rules`: each alert fires in one
// case and stays silent in another), the scrape config loads (`promtool check config`), and
// every metric the rules name is one the sidecar exports (or one `palisade probe`/`drill` export).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { Metrics } from '../../src/telemetry/metrics.js';

const dir = new URL('../../deploy/prometheus/', import.meta.url).pathname;
const rules = `${dir}alerts.yaml`;
const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).error === undefined;
// CI must have promtool (.ci/run installs prometheus); a dev machine without it skips.
const skip = !hasPromtool && !process.env['CI'];

/** Metrics of the probe and drill commands: their series come from those runs, not the sidecar. */
const FROM_PROBE_AND_DRILL = ['palisade_probe_findings', 'palisade_drill_results_total'];

function promtool(args: string[]): string {
  const result = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`promtool ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return `${result.stdout}${result.stderr}`;
}

test.skipIf(skip)('promtool check rules passes', () => {
  expect(promtool(['check', 'rules', 'alerts.yaml'])).toContain('SUCCESS');
});

test.skipIf(skip)('promtool test rules: every alert fires where it must and stays silent where it must not', () => {
  expect(promtool(['test', 'rules', 'alerts.test.yaml'])).toContain('SUCCESS');
});

test('every alert has a test case where it fires and one where it must not', () => {
  const alerts = (parse(readFileSync(rules, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string }> }> }).groups.flatMap((group) => group.rules.map((rule) => rule.alert));
  const tests = (parse(readFileSync(`${dir}alerts.test.yaml`, 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> }).tests;
  const cases = tests.flatMap((t) => t.alert_rule_test);
  for (const alert of alerts) {
    expect(cases.some((c) => c.alertname === alert && c.exp_alerts.length > 0), `${alert} fires somewhere`).toBe(true);
    expect(cases.some((c) => c.alertname === alert && c.exp_alerts.length === 0), `${alert} has a silent case`).toBe(true);
  }
});

test.skipIf(skip)('promtool check config passes for the static/file_sd scrape config (and loads the rules it names)', () => {
  const output = promtool(['check', 'config', 'scrape.yaml']);
  expect(output).toContain('is valid prometheus config file syntax');
  expect(output).toContain('SUCCESS: 12 rules found');
});

test('the Kubernetes scrape config keeps only the palisade container admin port', () => {
  const config = parse(readFileSync(`${dir}scrape-kubernetes.yaml`, 'utf8')) as { scrape_configs: Array<{ kubernetes_sd_configs: unknown[]; relabel_configs: Array<Record<string, unknown>> }> };
  const job = config.scrape_configs[0]!;
  expect(job.kubernetes_sd_configs).toEqual([{ role: 'pod' }]);
  expect(job.relabel_configs.filter((rule) => rule['action'] === 'keep').map((rule) => rule['regex'])).toEqual(['palisade', 'admin']);
  // This Prometheus build has no Kubernetes discovery: promtool refuses the file, as documented in it.
  if (hasPromtool) {
    const result = spawnSync('promtool', ['check', 'config', 'scrape-kubernetes.yaml'], { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) expect(`${result.stdout}${result.stderr}`).toContain('kubernetes_sd_configs');
  }
});

test('alert rules use only metrics the sidecar exports (or the probe and drill commands)', async () => {
  const exported = new Set([...(await new Metrics('test').registry.getMetricsAsJSON()).map((metric) => metric.name), ...FROM_PROBE_AND_DRILL]);
  const used = new Set([...readFileSync(rules, 'utf8').matchAll(/\b(palisade_[a-z_]+)/g)].map((match) => match[1]!));
  expect(used.size).toBeGreaterThan(3);
  for (const name of used) expect(exported, name).toContain(name);
});
