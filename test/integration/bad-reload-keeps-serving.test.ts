// A SIGHUP with an invalid config changes nothing: `palisade run` keeps serving with the old
// config, counts palisade_config_reloads_total{result="error"}, and logs 'config reload failed'
// with each error and its key path. A later valid config (a policy change) is applied by the
// next SIGHUP and counted as a success.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { startCli, type LongRunning } from '../helpers/cli.js';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, makePki, type CertFiles, type TestPki } from '../helpers/pki.js';
import { DEFAULT_ROUTES, sidecarConfig } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let cli: LongRunning;
let configPath: string;
let url: string;
let adminUrl: string;

/** What was awaited, with the child's output (read only when the wait fails). */
const withOutput = (what: string) => () => `${what}\nstdout: ${cli.stdout()}\nstderr: ${cli.stderr()}`;

async function status(who: CertFiles, path: string): Promise<number> {
  const agent = mtlsAgent(pki, who);
  try {
    return (await call(`${url}${path}`, agent)).status;
  } finally {
    await agent.close();
  }
}

function reloadFailures(): Array<{ errors: string[] }> {
  return cli
    .stdout()
    .split('\n')
    .filter((line) => line.includes('config reload failed'))
    .map((line) => JSON.parse(line) as { errors: string[] });
}

function baseConfig(routes: unknown[] = DEFAULT_ROUTES): Record<string, unknown> {
  // SIGHUP alone: file watching would reload on each write too (see cert-rotation tests).
  return sidecarConfig(pki, { upstreamUrl: upstream.url, routes, top: { reload: { watchFiles: false } } });
}

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  configPath = join(pki.dir, 'palisade.yaml');
  writeFileSync(configPath, stringify(baseConfig()));
  cli = startCli(['run', '-c', configPath]);
  const started = await cli.waitFor(/^.*"palisade started".*$/m);
  const line = JSON.parse(started[0]) as { inbound: { app: { port: number } }; admin: string };
  url = `https://localhost:${line.inbound.app.port}`;
  adminUrl = `http://${line.admin}`;
});

afterAll(async () => {
  cli?.kill();
  await upstream?.close();
  pki?.cleanup();
});

test('an invalid config on SIGHUP keeps the running config; a valid one is applied', async () => {
  expect(await status(pki.frontend, '/api/orders')).toBe(200);
  expect(await status(pki.intruder, '/api/orders')).toBe(403);

  // 1. An unknown key and a missing certificate file at once: one reload reports both.
  const missingCert = join(pki.dir, 'no-such-server.pem');
  const invalid = baseConfig() as { inbound: Array<{ tls: Record<string, unknown> }> } & Record<string, unknown>;
  invalid['bogus'] = 1;
  invalid.inbound[0]!.tls['cert'] = missingCert;
  writeFileSync(configPath, stringify(invalid));
  cli.child.kill('SIGHUP');
  // The metric and the log line are written separately (the log asynchronously): wait for both.
  await until(withOutput('the first reload error'), async () => (await metric(adminUrl, 'palisade_config_reloads_total', { result: 'error' })) === 1 && reloadFailures().length === 1);
  expect(reloadFailures()).toHaveLength(1);
  expect(reloadFailures()[0]!.errors).toEqual(['bogus: unknown key', `inbound[0].tls.cert: file not found: ${missingCert}`]);
  expect(await metric(adminUrl, 'palisade_certificate_reloads_total', { listener: 'app', result: 'error' })).toBe(1);

  expect(await status(pki.frontend, '/api/orders')).toBe(200);
  expect(await status(pki.intruder, '/api/orders')).toBe(403);

  // 2. The unknown key fixed, the missing certificate file left: the file error alone.
  delete invalid['bogus'];
  writeFileSync(configPath, stringify(invalid));
  cli.child.kill('SIGHUP');
  await until(withOutput('the second reload error'), async () => (await metric(adminUrl, 'palisade_config_reloads_total', { result: 'error' })) === 2 && reloadFailures().length === 2);
  expect(reloadFailures()).toHaveLength(2);
  expect(reloadFailures()[1]!.errors).toEqual([`inbound[0].tls.cert: file not found: ${missingCert}`]);
  expect(await metric(adminUrl, 'palisade_certificate_reloads_total', { listener: 'app', result: 'error' })).toBe(2);

  expect(await status(pki.frontend, '/api/orders')).toBe(200);
  expect(await status(pki.intruder, '/api/orders')).toBe(403);
  expect(await metric(adminUrl, 'palisade_config_reloads_total', { result: 'success' })).toBe(0);
  expect(await metric(adminUrl, 'palisade_ready')).toBe(1);

  // 3. A valid config that changes policy: the intruder is now allowed on the api route.
  const routes = structuredClone(DEFAULT_ROUTES) as Array<{ name: string; allow: string[] }>;
  routes.find((route) => route.name === 'api')!.allow.push(IDS.intruder);
  writeFileSync(configPath, stringify(baseConfig(routes)));
  cli.child.kill('SIGHUP');
  await until(withOutput('the intruder to be allowed'), async () => (await status(pki.intruder, '/api/orders')) === 200);
  expect(await metric(adminUrl, 'palisade_config_reloads_total', { result: 'success' })).toBe(1);
  expect(await metric(adminUrl, 'palisade_config_reloads_total', { result: 'error' })).toBe(2);
  expect(await status(pki.frontend, '/api/orders')).toBe(200);
  await until(withOutput('the reload success log line'), async () => cli.stdout().includes('"config reloaded"'));
  expect(cli.child.exitCode).toBeNull();
});
