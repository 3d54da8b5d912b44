// The admin /metrics exposition, after real traffic (an allow, a deny and a refused handshake),
// passes the real `promtool check metrics` with no lint findings, and holds every metric family
// of the design (requests, durations, handshakes, certificate expiry for server and CA,
// reloads).
import { spawn, spawnSync } from 'node:child_process';
import { beforeAll, expect, test } from 'vitest';
import { call, mtlsAgent, tryHandshake } from '../helpers/client.js';
import { sample, scrape } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).error === undefined;
// CI must have promtool (.ci/run installs it); a dev machine without it skips.
const skip = !hasPromtool && !process.env['CI'];

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let text: string;

withScenario((started) => ({ pki, upstream, sidecar } = started));

beforeAll(async () => {
  for (const who of [pki.frontend, pki.intruder]) {
    const agent = mtlsAgent(pki, who);
    await call(`${sidecar.url}/api/orders`, agent);
    await agent.close();
  }
  await tryHandshake(sidecar.port, { ca: pki.ca.certPem });
  text = await scrape(sidecar.adminUrl);
});

function promtool(input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(input);
  });
}

test('the traffic is in the metrics', () => {
  expect(sample(text, 'palisade_requests_total', { decision: 'allow', route: 'api' })).toBe(1);
  expect(sample(text, 'palisade_requests_total', { decision: 'deny', reason: 'identity_not_allowed' })).toBe(1);
  expect(sample(text, 'palisade_tls_handshakes_total', { result: 'failure', reason: 'no_client_cert' })).toBe(1);
});

test.skipIf(skip)('promtool check metrics passes with no lint output', async () => {
  const result = await promtool(text);
  expect(result.output).toBe('');
  expect(result.code).toBe(0);
});

test('every metric family of the design is exposed', () => {
  for (const family of [
    'palisade_requests_total',
    'palisade_request_duration_seconds',
    'palisade_upstream_duration_seconds',
    'palisade_tls_handshakes_total',
    'palisade_certificate_expiry_timestamp_seconds',
    'palisade_certificate_reloads_total',
    'palisade_config_reloads_total',
  ]) {
    expect(text, family).toMatch(new RegExp(`^# HELP ${family} \\S`, 'm'));
  }
  expect(text).toMatch(/^# TYPE palisade_request_duration_seconds histogram$/m);
  expect(text).toMatch(/^# TYPE palisade_upstream_duration_seconds histogram$/m);
  expect(sample(text, 'palisade_request_duration_seconds_count', { route: 'api' })).toBe(2);
  expect(sample(text, 'palisade_upstream_duration_seconds_count', { listener: 'app' })).toBe(1);
  const serverExpiry = sample(text, 'palisade_certificate_expiry_timestamp_seconds', { listener: 'app', role: 'server' });
  const caExpiry = sample(text, 'palisade_certificate_expiry_timestamp_seconds', { listener: 'app', role: 'ca' });
  expect(serverExpiry).toBe(Math.floor(new Date(pki.server.issued.cert.notAfter).getTime() / 1000));
  expect(caExpiry).toBe(Math.floor(new Date(pki.ca.cert.notAfter).getTime() / 1000));
});
