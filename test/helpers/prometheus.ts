// A real Prometheus server (the Debian `prometheus` binary) scraping given targets every second,
// on a free loopback port, with its own temporary storage. Tests query it through the HTTP API.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { unusedPort } from './upstream.js';

export const hasPrometheus = spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).error === undefined;
export const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).error === undefined;

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus {
  readonly url: string;
  /** An instant query; undefined while Prometheus is not answering yet. */
  query(expr: string): Promise<{ status: string; result: Sample[]; error?: string } | undefined>;
  log(): string;
  close(): Promise<void>;
}

export async function startPrometheus(targets: string[]): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-prometheus-'));
  const port = await unusedPort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    stringify({
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'palisade', static_configs: [{ targets }] }],
    }),
  );
  let log = '';
  const child: ChildProcess = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    log: () => log,
    async query(expr) {
      try {
        const response = await request(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
        const body = (await response.body.json()) as { status: string; data?: { result: Sample[] }; error?: string };
        return { status: body.status, result: body.data?.result ?? [], ...(body.error ? { error: body.error } : {}) };
      } catch {
        return undefined; // not listening yet
      }
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('close', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
