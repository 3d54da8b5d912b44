// A sidecar with two periodic probe targets: a strong mTLS server and one that accepts TCP and
// never says a word. Both show in GET /probes; the metrics pass `promtool check metrics`; the
// silent one reads palisade_probe_up 0 and costs one timeout, and the other is probed regardless.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ProbeReport } from '../../src/probe/types.js';
import { sample, scrape } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { startTarget, type ProbeTestTarget } from '../helpers/probe-target.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).error === undefined;
if (!hasPromtool && process.env['CI']) throw new Error('promtool is required on CI (Debian package prometheus)');

let pki: TestPki;
let upstream: TestUpstream;
let target: ProbeTestTarget;
let silent: Server;
const silentSockets: Socket[] = [];
let sidecar: RunningSidecar;
let probes: Record<string, ProbeReport>;
let metricsText: string;

async function getProbes(): Promise<Record<string, ProbeReport>> {
  const response = await request(`${sidecar.adminUrl}/probes`);
  expect(response.statusCode).toBe(200);
  return (await response.body.json()) as Record<string, ProbeReport>;
}

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    target = await startTarget({ cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' });
    silent = createServer((socket) => silentSockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    return {
      top: {
        probes: [
          { name: 'silent', target: `127.0.0.1:${silentPort}`, timeoutMs: 1_000, intervalMs: 60_000 },
          { name: 'orders', target: `127.0.0.1:${target.port}`, servername: 'localhost', ca: pki.caPath, cert: pki.frontend.cert, key: pki.frontend.key, expectIdentity: IDS.server, intervalMs: 60_000 },
        ],
      },
    };
  },
  hookTimeoutMs: 60_000,
});

beforeAll(async () => {
  for (let tries = 0; tries < 300; tries += 1) {
    probes = await getProbes();
    if (probes['silent'] && probes['orders']) break;
    await sleep(100);
  }
  metricsText = await scrape(sidecar.adminUrl);
}, 60_000);
afterAll(async () => {
  for (const socket of silentSockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
  await target?.close();
});

test('GET /probes has the last report of both targets, in the --format json schema', () => {
  expect(Object.keys(probes).sort()).toEqual(['orders', 'silent']);
  const orders = probes['orders'] as ProbeReport;
  expect(orders.schema).toBe('palisade.probe.v1');
  expect(orders.reachable).toBe(true);
  expect(orders.certificate?.spiffeIds).toEqual([IDS.server]);
  expect(String(orders.checks.mtls?.facts['baseline'])).toMatch(/^accepted/);
  const silentReport = probes['silent'] as ProbeReport;
  expect(silentReport.reachable).toBe(false);
  expect(silentReport.error).toMatch(/no TLS answer within 1000ms/);
});

test('the silent target reads up 0, the other up 1, with durations and run times', () => {
  expect(sample(metricsText, 'palisade_probe_up', { target: 'silent' })).toBe(0);
  expect(sample(metricsText, 'palisade_probe_up', { target: 'orders' })).toBe(1);
  expect(sample(metricsText, 'palisade_probe_last_run_timestamp_seconds', { target: 'orders' })).toBeGreaterThan(Date.now() / 1000 - 120);
  expect(sample(metricsText, 'palisade_probe_duration_seconds', { target: 'orders' })).toBeGreaterThan(0);
  // Every check x severity pair is exported, zeros included, so alerts clear.
  expect(metricsText).toContain('palisade_probe_findings{target="orders",check="mtls",severity="critical"} 0');
  expect(sample(metricsText, 'palisade_probe_findings', { target: 'orders', severity: 'critical' })).toBe(0);
  expect(sample(metricsText, 'palisade_probe_findings', { target: 'orders', severity: 'high' })).toBe(0);
  expect(sample(metricsText, 'palisade_probe_findings', { target: 'orders', check: 'protocols', severity: 'low' })).toBe(0);
});

test.skipIf(!hasPromtool)('promtool check metrics is clean', async () => {
  const output = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, text }));
    child.stdin.end(metricsText);
  });
  expect(output.text).toBe('');
  expect(output.code).toBe(0);
});
