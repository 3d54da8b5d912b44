// A real Prometheus server scrapes the sidecar's admin /metrics: after a little traffic, the
// sidecar's palisade_requests_total series (with its decision label) is queryable through
// Prometheus's HTTP API, and the scrape target is healthy.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { call, mtlsAgent } from '../helpers/client.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { unusedPort, type TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

const hasPrometheus = spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).error === undefined;
// CI must have prometheus (.ci/run installs it); a dev machine without it skips.
const skip = !hasPrometheus && !process.env['CI'];

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let prometheus: ChildProcess | undefined;
let prometheusLog = '';
let dir: string;

withScenario((started) => ({ pki, upstream, sidecar } = started));

beforeAll(async () => {
  for (const who of [pki.frontend, pki.intruder]) {
    const agent = mtlsAgent(pki, who);
    await call(`${sidecar.url}/api/orders`, agent);
    await agent.close();
  }
  dir = mkdtempSync(join(tmpdir(), 'palisade-prometheus-'));
});

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null && prometheus.signalCode === null) {
    const exited = new Promise((resolve) => prometheus!.once('close', resolve));
    prometheus.kill('SIGTERM');
    const timer = setTimeout(() => prometheus!.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface QueryResult {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

async function api<T>(base: string, path: string): Promise<T | undefined> {
  try {
    const response = await request(`${base}${path}`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
    const text = await response.body.text();
    return response.statusCode === 200 ? (JSON.parse(text) as T) : undefined;
  } catch {
    return undefined; // not listening yet
  }
}

test.skipIf(skip)('prometheus scrapes the admin port and sees palisade_requests_total by decision', async () => {
  const port = await unusedPort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'palisade', static_configs: [{ targets: [`127.0.0.1:${sidecar.adminPort}`] }] }],
    }),
  );
  prometheus = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prometheus.stdout!.on('data', (chunk: Buffer) => (prometheusLog += chunk));
  prometheus.stderr!.on('data', (chunk: Buffer) => (prometheusLog += chunk));
  const base = `http://127.0.0.1:${port}`;

  let series: QueryResult['data']['result'] = [];
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && prometheus.exitCode === null) {
    const result = await api<QueryResult>(base, '/api/v1/query?query=palisade_requests_total');
    series = result?.data.result ?? [];
    if (series.some((s) => s.metric['decision'] === 'deny' && s.metric['reason'] !== 'none')) break;
    await sleep(250);
  }
  if (series.length === 0) throw new Error(`prometheus never returned palisade_requests_total\n${prometheusLog}`);

  // Every configured route x decision is exported at 0 from the start: pick the series the traffic moved.
  const allow = series.find((s) => s.metric['decision'] === 'allow' && s.metric['route'] === 'api');
  const deny = series.find((s) => s.metric['decision'] === 'deny' && s.metric['reason'] !== 'none');
  expect(allow?.metric).toMatchObject({ job: 'palisade', instance: `127.0.0.1:${sidecar.adminPort}`, listener: 'app', route: 'api', reason: 'none' });
  expect(allow?.value[1]).toBe('1');
  expect(deny?.metric).toMatchObject({ listener: 'app', route: 'api', reason: 'identity_not_allowed' });
  expect(deny?.value[1]).toBe('1');

  const up = await api<QueryResult>(base, '/api/v1/query?query=up');
  expect(up?.data.result.find((s) => s.metric['job'] === 'palisade')?.value[1]).toBe('1');
});
