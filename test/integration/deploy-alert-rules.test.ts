// The shipped Prometheus alert rules are valid for the real promtool, and every metric they
// name is one the sidecar exports.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { Metrics } from '../../src/telemetry/metrics.js';

const rules = new URL('../../deploy/prometheus/alerts.yaml', import.meta.url).pathname;
const hasPromtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test.skipIf(!hasPromtool && !process.env['CI'])('promtool check rules passes', () => {
  const output = execFileSync('promtool', ['check', 'rules', rules], { encoding: 'utf8' });
  expect(output).toContain('SUCCESS');
});

test('alert rules use only metrics the sidecar exports', async () => {
  const exported = new Set((await new Metrics('test').registry.getMetricsAsJSON()).map((metric) => metric.name));
  const used = new Set([...readFileSync(rules, 'utf8').matchAll(/\b(palisade_[a-z_]+)/g)].map((match) => match[1]!));
  expect(used.size).toBeGreaterThan(3);
  for (const name of used) expect(exported, name).toContain(name);
});
