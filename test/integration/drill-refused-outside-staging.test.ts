// The staging gate: without `environment: staging` in the drill file, without
// PALISADE_ENVIRONMENT=staging, with a target outside `allow:`, or with a plan over the attempt
// limit, `palisade drill` refuses with exit 2, says why, and sends nothing: a listener that
// counts connections sees none, and the client command never runs.
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../helpers/pki.js';
import { runDrillCli, STAGING_ENV } from '../helpers/drill.js';

let pki: TestPki;
let counter: Server;
let connections = 0;
let marker: string;

function drill(overrides: Record<string, unknown>): Record<string, unknown> {
  const port = (counter.address() as AddressInfo).port;
  return {
    environment: 'staging',
    allow: ['127.0.0.0/8'],
    clients: [{ name: 'client', genuine: { cert: pki.server.cert, key: pki.server.key }, command: `touch ${marker}`, scenarios: ['self_signed'] }],
    servers: [{ name: 'server', url: `https://127.0.0.1:${port}/`, tls: { cert: pki.frontend.cert, key: pki.frontend.key, ca: pki.caPath }, scenarios: ['no_client_cert'] }],
    ...overrides,
  };
}

async function expectRefused(file: string, env: NodeJS.ProcessEnv, message: RegExp): Promise<void> {
  const result = await runDrillCli(file, [], env);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/drill refused, nothing was sent/);
  expect(result.stderr).toMatch(message);
  expect(result.stdout).toBe('');
  expect(connections).toBe(0);
  expect(existsSync(marker)).toBe(false);
}

beforeAll(async () => {
  pki = await makePki();
  marker = join(pki.dir, 'client-command-ran');
  counter = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => counter.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => counter.close(resolve));
  pki.cleanup();
});

describe('palisade drill outside staging', () => {
  it('refuses a drill file without environment: staging', async () => {
    const { environment: _, ...rest } = drill({});
    await expectRefused(pki.write('no-env.yaml', stringify(rest)), STAGING_ENV, /does not say `environment: staging`/);
    await expectRefused(pki.write('prod-env.yaml', stringify(drill({ environment: 'production' }))), STAGING_ENV, /environment: "production"/);
  });

  it('refuses without PALISADE_ENVIRONMENT=staging, naming both when both are missing', async () => {
    const env = { ...process.env };
    delete env['PALISADE_ENVIRONMENT'];
    await expectRefused(pki.write('ok.yaml', stringify(drill({}))), env, /PALISADE_ENVIRONMENT is not set/);
    await expectRefused(pki.write('ok2.yaml', stringify(drill({}))), { ...env, PALISADE_ENVIRONMENT: 'production' }, /PALISADE_ENVIRONMENT is "production"/);
    const { environment: _, ...rest } = drill({});
    const both = await runDrillCli(pki.write('neither.yaml', stringify(rest)), [], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/environment: staging/);
    expect(both.stderr).toMatch(/PALISADE_ENVIRONMENT is not set/);
  });

  it('refuses targets outside allow:', async () => {
    await expectRefused(pki.write('not-allowed.yaml', stringify(drill({ allow: ['10.0.0.0/8', 'orders.staging.internal'] }))), STAGING_ENV, /servers\[0\]\.url: not allowed: 127\.0\.0\.1 is not in any allowed CIDR/);
    const refused = await runDrillCli(pki.write('not-allowed2.yaml', stringify(drill({ allow: ['10.0.0.0/8'] }))), [], STAGING_ENV);
    expect(refused.stderr).toMatch(/clients\[0\]\.listen\.address: not allowed/);
  });

  it('refuses a plan over limits.maxAttempts', async () => {
    await expectRefused(pki.write('too-many.yaml', stringify(drill({ limits: { maxAttempts: 3 } }))), STAGING_ENV, /limits\.maxAttempts: the plan needs 4 attempts/);
  });
});
