// Resolved series must expose exactly what prom-client's own Counter and Histogram expose for
// the same observations: the same text on /metrics, the same JSON, byte for byte.
import { Counter, Histogram, Registry } from 'prom-client';
import { expect, test } from 'vitest';
import { SeriesCounter, SeriesHistogram } from '../../../src/telemetry/resolved-series.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// Below, on and between the bounds, above the last one, and zero.
const VALUES = [0, 0.0001, 0.0005, 0.00051, 0.003, 0.0099, 0.01, 0.2, 0.75, 2.5, 9.99, 30, 31, 1e6];

function pair() {
  const reference = new Registry();
  const resolved = new Registry();
  const config = { name: 'palisade_request_duration_seconds', help: 'Duration.', labelNames: ['listener', 'route'] as const, buckets: BUCKETS };
  return {
    reference,
    resolved,
    plain: new Histogram({ ...config, registers: [reference] }),
    series: new SeriesHistogram({ ...config, registers: [resolved] }),
  };
}

test('a SeriesHistogram child exposes what prom-client observe() exposes, text and JSON', async () => {
  const { reference, resolved, plain, series } = pair();
  const routes = [
    { listener: 'app', route: 'orders' },
    { listener: 'app', route: 'unmatched' },
    { listener: 'a"b\\c', route: 'new\nline' },
  ];
  const children = routes.map((labels) => series.child(labels));
  VALUES.forEach((value, i) => {
    const at = i % routes.length;
    plain.observe(routes[at]!, value);
    children[at]!.observe(value);
  });
  // The labelled form lands in the same series as the child.
  plain.observe({ listener: 'app', route: 'orders' }, 0.004);
  series.observe({ listener: 'app', route: 'orders' }, 0.004);
  expect(await resolved.metrics()).toBe(await reference.metrics());
  expect(await resolved.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
});

test('SeriesHistogram: reset, zero, remove, labels() and startTimer() behave as prom-client does', async () => {
  const { reference, resolved, plain, series } = pair();
  plain.zero({ listener: 'app', route: 'idle' });
  series.zero({ listener: 'app', route: 'idle' });
  expect(await resolved.metrics()).toBe(await reference.metrics());
  plain.labels('app', 'orders').observe(0.02);
  series.labels('app', 'orders').observe(0.02);
  plain.labels({ listener: 'app', route: 'x' }).observe(3);
  series.labels({ listener: 'app', route: 'x' }).observe(3);
  expect(await resolved.metrics()).toBe(await reference.metrics());
  plain.remove('app', 'x');
  series.remove('app', 'x');
  expect(await resolved.metrics()).toBe(await reference.metrics());
  plain.reset();
  series.reset();
  expect(await resolved.metrics()).toBe(await reference.metrics());
  const end = series.startTimer({ listener: 'app' });
  const seconds = end({ route: 'timed' });
  const json = await resolved.getMetricsAsJSON();
  const count = json[0]!.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count') && v.labels['route'] === 'timed');
  expect(count?.value).toBe(1);
  expect(seconds).toBeGreaterThanOrEqual(0);
});

test('SeriesHistogram refuses what prom-client refuses: unknown labels, non-finite values', () => {
  const { series } = pair();
  expect(() => series.child({ listener: 'app', nope: 'x' } as never)).toThrow(/not included in initial labelset/);
  expect(() => series.child({ listener: 'app', route: 'r' }).observe(Number.NaN)).toThrow(/not a valid number/);
});

test('a SeriesCounter child counts into the same series as inc(labels), read at scrape', async () => {
  const reference = new Registry();
  const resolved = new Registry();
  const config = { name: 'palisade_requests_total', help: 'Requests.', labelNames: ['listener', 'route', 'decision', 'reason'] as const };
  const plain = new Counter({ ...config, registers: [reference] });
  const series = new SeriesCounter({ ...config, registers: [resolved] });
  const allow = { listener: 'app', route: 'orders', decision: 'allow', reason: 'none' };
  const deny = { listener: 'app', route: 'unmatched', decision: 'deny', reason: 'route_not_found' };
  // Zero series exported at start (exportZeroSeries) come first, as they do in the sidecar.
  plain.inc(deny, 0);
  series.inc(deny, 0);
  const child = series.child(allow);
  const denied = series.child(deny);
  for (let i = 0; i < 5; i += 1) {
    plain.inc(allow);
    child.inc();
  }
  plain.inc(deny, 2);
  denied.inc();
  series.inc(deny);
  expect(await resolved.metrics()).toBe(await reference.metrics());
  // Counts keep adding up across scrapes, never counted twice.
  plain.inc(allow);
  child.inc();
  expect(await resolved.metrics()).toBe(await reference.metrics());
  expect(await resolved.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
  expect(() => series.child({ ...allow, extra: 'x' } as never)).toThrow(/not included in initial labelset/);
});
