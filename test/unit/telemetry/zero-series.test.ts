import { expect, test } from 'vitest';
import { ConfigSchema } from '../../../src/config/schema.js';
import { Metrics } from '../../../src/telemetry/metrics.js';
import { exportZeroSeries } from '../../../src/telemetry/zero-series.js';

const config = ConfigSchema.parse({
  inbound: [
    {
      name: 'app',
      port: 0,
      tls: { cert: 'c.pem', key: 'k.pem', clientCa: 'ca.pem', minVersion: 'TLSv1.3' },
      upstream: { url: 'http://127.0.0.1:1' },
      routes: [
        { name: 'orders', path: '/orders/**', allow: ['*'] },
        { name: 'health', path: '/healthz', allow: ['*'] },
      ],
    },
  ],
});

async function series(metrics: Metrics, name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
}

test('every counter with a label set known from the config is exported at 0', async () => {
  const metrics = new Metrics('test');
  exportZeroSeries(metrics, config);
  expect(await series(metrics, 'palisade_config_reloads_total')).toEqual([
    { labels: { result: 'success' }, value: 0 },
    { labels: { result: 'error' }, value: 0 },
  ]);
  expect((await series(metrics, 'palisade_certificate_reloads_total')).map((s) => s.labels)).toEqual([
    { listener: 'app', result: 'success' },
    { listener: 'app', result: 'error' },
  ]);
  const requests = await series(metrics, 'palisade_requests_total');
  expect(requests).toHaveLength(3 * 3); // (orders, health, unmatched) x (allow, deny, would_deny)
  expect(requests.every((s) => s.value === 0 && s.labels['reason'] === 'none' && s.labels['listener'] === 'app')).toBe(true);
  expect(requests.map((s) => `${s.labels['route']}/${s.labels['decision']}`)).toContain('orders/would_deny');
  // Only the versions the listener accepts.
  expect((await series(metrics, 'palisade_tls_handshakes_total')).map((s) => s.labels)).toEqual([{ listener: 'app', version: 'TLSv1.3', result: 'success', reason: 'none' }]);
});

test('calling it again (a reload) keeps the counts already there', async () => {
  const metrics = new Metrics('test');
  exportZeroSeries(metrics, config);
  metrics.configReloads.inc({ result: 'error' });
  metrics.requests.inc({ listener: 'app', route: 'orders', decision: 'allow', reason: 'none' }, 5);
  exportZeroSeries(metrics, config);
  expect((await series(metrics, 'palisade_config_reloads_total')).find((s) => s.labels['result'] === 'error')?.value).toBe(1);
  expect((await series(metrics, 'palisade_requests_total')).find((s) => s.labels['route'] === 'orders' && s.labels['decision'] === 'allow')?.value).toBe(5);
});
