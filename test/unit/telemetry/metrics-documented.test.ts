// Every metric Palisade exports (the sidecar's, the drill job's and the broker's) has its row in
// the README's metric tables, so an SRE reading the README sees each series they can scrape.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { BrokerMetrics, DrillMetrics, Metrics } from '../../../src/telemetry/metrics.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

test.each([
  ['sidecar', new Metrics('test').registry],
  ['drill', new DrillMetrics().registry],
  ['broker', new BrokerMetrics('test').registry],
])('every palisade_* metric of the %s registry has a README row', (_, registry) => {
  const names = registry.getMetricsAsArray().map((metric) => metric.name).filter((name) => name.startsWith('palisade_'));
  expect(names.length).toBeGreaterThan(0);
  const undocumented = names.filter((name) => !readme.includes(`| \`${name}\` |`));
  expect(undocumented).toEqual([]);
});
