// palisade demo: the embedded default. With no config at all it makes dev certificates, starts
// an echo app with the sidecar in front, sends a little traffic (allowed, denied, no
// certificate), prints the curl commands that work, and runs until Ctrl-C.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'node:tls';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { certificateFactory } from '../certs/factory.js';
import { loadConfigFile } from '../config/load.js';
import { startEchoApp } from '../demo/echo-app.js';
import { Sidecar } from '../sidecar.js';
import { certsInit } from './certs.js';
import { selfInvocation, shellQuote } from './invocation.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from './usage.js';
import type { Command } from './command.js';

const TRUST_DOMAIN = 'demo.palisade.local';
const IDS = {
  echo: `spiffe://${TRUST_DOMAIN}/ns/demo/sa/echo`,
  frontend: `spiffe://${TRUST_DOMAIN}/ns/demo/sa/frontend`,
  intruder: `spiffe://${TRUST_DOMAIN}/ns/other/sa/intruder`,
};

function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${flag} must be a port number (0 picks a free one)`);
  return n;
}

export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, 'admin-port': { type: 'string' }, dir: { type: 'string' }, 'exit-after-traffic': { type: 'boolean' } },
    strict: true,
  });
  const inboundPort = port(values.port, 8443, '--port');
  const adminPort = port(values['admin-port'], 9901, '--admin-port');

  // --dir keeps the certificates and configs after the demo; the default temp dir is removed on exit.
  const keep = values.dir !== undefined;
  if (keep) mkdirSync(values.dir!, { recursive: true });
  const dir = keep ? resolve(values.dir!) : mkdtempSync(join(tmpdir(), 'palisade-demo-'));
  const cleanup = () => {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  const certs = await certsInit({
    out: dir,
    identities: [
      { name: 'echo', id: IDS.echo },
      { name: 'frontend', id: IDS.frontend },
      { name: 'intruder', id: IDS.intruder },
    ],
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    validityMs: 24 * 3_600_000,
  });
  const files = Object.fromEntries(certs.identities.map((identity) => [identity.name, identity])) as unknown as Record<keyof typeof IDS, { cert: string; key: string }>;

  const app = await startEchoApp();
  const configPath = join(dir, 'palisade.yaml');
  const demoConfig = (listenPort: number, listenAdminPort: number) =>
    stringify({
      mode: 'enforce',
      admin: { address: '127.0.0.1', port: listenAdminPort },
      inbound: [
        {
          name: 'demo',
          address: '127.0.0.1',
          port: listenPort,
          tls: { cert: files.echo.cert, key: files.echo.key, clientCa: certs.ca },
          upstream: { url: `http://127.0.0.1:${app.port}` },
          routes: [
            { name: 'api', methods: ['GET', 'POST'], path: '/api/**', allow: [`spiffe://${TRUST_DOMAIN}/ns/demo/sa/*`] },
            { name: 'health', methods: ['GET'], path: '/health', allow: ['*'] },
          ],
        },
      ],
    });
  writeFileSync(configPath, demoConfig(inboundPort, adminPort));
  const loaded = loadConfigFile(configPath);
  if (!loaded.ok) throw new Error(`demo config is invalid: ${loaded.errors.join('; ')}`);
  const logPath = join(dir, 'audit.log');
  const sidecar = new Sidecar(loaded.value, { logDestination: createWriteStream(logPath), certificates: certificateFactory });
  let addresses;
  try {
    addresses = await sidecar.start();
  } catch (error) {
    await app.close();
    cleanup();
    process.stderr.write(`palisade demo: cannot start: ${(error as Error).message}\n  (try --port 0 --admin-port 0 to pick free ports)\n`);
    return EXIT_FINDINGS;
  }
  const sidecarPort = addresses.inbound['demo']?.port as number;
  const base = `https://localhost:${sidecarPort}`;
  const metricsUrl = `http://127.0.0.1:${addresses.admin.port}/metrics`;
  const out = (line = '') => process.stdout.write(`${line}\n`);

  out(`Palisade demo: an echo app on 127.0.0.1:${app.port}, the sidecar in front on ${base}`);
  out(`  certificates and config: ${dir}   (audit log: ${logPath})`);
  out();
  out('Demo traffic:');
  const ca = readFileSync(certs.ca);
  // Loaded here, not at the top: main.ts imports every command, and all of undici would then
  // be in memory for `palisade run` too (src/proxy/undici-pool.ts).
  const { Agent, request } = await import('undici');
  const call = async (who: 'frontend' | 'intruder', path: string) => {
    const agent = new Agent({ connect: { ca, cert: readFileSync(files[who].cert), key: readFileSync(files[who].key), servername: 'localhost' } });
    try {
      const response = await request(`${base}${path}`, { dispatcher: agent });
      const text = await response.body.text();
      out(`  ${who.padEnd(9)} GET ${path.padEnd(11)} → ${response.statusCode} ${text}`);
    } finally {
      await agent.close();
    }
  };
  await call('frontend', '/api/hello');
  await call('intruder', '/api/hello');
  const refused = await new Promise<string>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: sidecarPort, ca, servername: 'localhost' }, () => socket.write('GET /api/hello HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    socket.on('error', (error: Error & { code?: string }) => resolve(error.code ?? error.message));
    socket.on('data', () => resolve('unexpected response'));
    socket.on('close', () => resolve('connection closed'));
  });
  out(`  no cert   GET /api/hello  → handshake refused (${refused})`);
  out();
  out('Try it yourself:');
  const curl = (who: 'frontend' | 'intruder', path: string) =>
    `curl --cacert ${shellQuote(certs.ca)} --cert ${shellQuote(files[who].cert)} --key ${shellQuote(files[who].key)} ${base}${path}`;
  out(`  allowed:  ${curl('frontend', '/api/hello')}`);
  out(`  denied:   ${curl('intruder', '/api/hello')}`);
  out(`  no cert:  curl --cacert ${shellQuote(certs.ca)} ${base}/api/hello`);
  out(`  metrics:  curl ${metricsUrl}`);
  // A second config on ports of its own, in front of the same echo app, so the printed `run`
  // works while the demo is still running.
  const [runPort, runAdminPort] = [await freePort(), await freePort()];
  const runConfigPath = join(dir, 'run.yaml');
  writeFileSync(runConfigPath, demoConfig(runPort, runAdminPort));
  const runBase = `https://localhost:${runPort}`;
  out(`  run it:   ${selfInvocation()} run -c ${shellQuote(runConfigPath)}`);
  out(`  then:     ${curl('frontend', '/api/hello').replace(base, runBase)}`);
  out(`            (a second sidecar on ${runBase}, admin http://127.0.0.1:${runAdminPort}, in front of the same echo app; stop it with Ctrl-C)`);
  out();
  out(keep ? `Files stay in ${dir}.` : `Files in ${dir} are removed when the demo stops (--dir DIR keeps them).`);

  const stop = async () => {
    await sidecar.drain(2_000);
    await app.close();
    cleanup();
  };
  if (values['exit-after-traffic']) {
    await stop();
    return EXIT_OK;
  }
  out('Running until Ctrl-C.');
  return new Promise<number>((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      stop().then(
        () => resolve(EXIT_OK),
        () => resolve(EXIT_OK),
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export const demo: Command = {
  help: {
    name: 'demo',
    summary: 'dev CA, echo app, sidecar in front, demo traffic, and the curl commands to try',
    usage: ['demo [--port N] [--admin-port N] [--dir DIR]'],
    description: 'Runs until Ctrl-C, then removes the temporary directory it made (not a --dir). Every command it\nprints works as printed while it runs, including a second `run` on ports of its own.',
    options: [
      { flags: '--port N', description: 'inbound mTLS port (0 picks a free one)', default: '8443' },
      { flags: '--admin-port N', description: 'admin listener port (0 picks a free one)', default: '9901' },
      { flags: '--dir DIR', description: 'write certificates and configs here and keep them', default: 'a temporary directory, removed on exit' },
      { flags: '--exit-after-traffic', description: 'stop after the demo traffic instead of waiting for Ctrl-C' },
    ],
    examples: ['palisade demo', 'palisade demo --port 0 --admin-port 0'],
  },
  run: demoCommand,
};

/** A port free right now on loopback (the OS picks it); the second config listens there. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}
