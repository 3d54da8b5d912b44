// `palisade run` refuses a config with `drills:` unless the config says `environment: staging`
// and the process sees PALISADE_ENVIRONMENT=staging: exit 2, the reason named, and nothing
// started (the app behind it sees no connection; the listener's port stays closed).
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { sidecarConfig } from '../helpers/sidecar.js';

let pki: TestPki;
let app: Server;
let connections = 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const closed = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

beforeAll(async () => {
  pki = await makePki();
  app = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => app.close(resolve));
  pki.cleanup();
});

async function config(environment: string | undefined): Promise<{ file: string; port: number }> {
  const port = await freePort();
  const object = sidecarConfig(pki, { upstreamUrl: `http://127.0.0.1:${(app.address() as AddressInfo).port}`, listener: { port, drills: { sampleRate: 1, methods: ['GET'] } } });
  if (environment !== undefined) object['environment'] = environment;
  (object['admin'] as Record<string, unknown>)['port'] = 0;
  (object['reload'] as unknown) = { watchFiles: false };
  return { file: pki.write(`palisade-${environment ?? 'none'}-${port}.yaml`, stringify(object)), port };
}

describe('palisade run with drills outside staging', () => {
  it('refuses a config without environment: staging, and one in a production process', async () => {
    const noEnvironment = await config(undefined);
    const first = await runCli(['run', '-c', noEnvironment.file], { env: { ...process.env, PALISADE_ENVIRONMENT: 'staging' } });
    expect(first.code).toBe(2);
    expect(first.stderr).toMatch(/refused, nothing was started/);
    expect(first.stderr).toMatch(/the config has `drills:` but does not say `environment: staging`/);
    expect(await closed(noEnvironment.port)).toBe(true);

    const production = await config('staging');
    const env = { ...process.env };
    delete env['PALISADE_ENVIRONMENT'];
    const second = await runCli(['run', '-c', production.file], { env });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/PALISADE_ENVIRONMENT is not set/);
    expect(await closed(production.port)).toBe(true);
    expect(connections).toBe(0);
  });
});
