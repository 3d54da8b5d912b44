// An independent MITM agrees with the untrusted_ca drill. mitmproxy (mitmdump, reverse mode,
// with its own freshly made CA) stands in front of a genuine server; each client kind calls
// through it. Every client that completes a request through mitmproxy's forged certificate is
// one Palisade's untrusted_ca drill marks vulnerable, and every client that refuses mitmproxy
// is marked resisted.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttps, type Server } from 'node:https';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../helpers/pki.js';
import { hasTool, outcomes, runDrillJson, writeDrillFile } from '../helpers/drill.js';
import { until } from '../helpers/wait.js';

const NODE_CLIENT = fileURLToPath(new URL('../helpers/node-https-client.mjs', import.meta.url));
const available = hasTool('mitmdump');
let pki: TestPki;
let genuine: Server;
let received = 0;
let mitm: ChildProcess | undefined;
let mitmPort: number;
let confdir: string;

const clients = (caPath: string): Record<string, string> => ({
  'curl-verifying': `curl -s -o /dev/null --max-time 5 --cacert ${caPath} {url}`,
  'curl-insecure': 'curl -sk -o /dev/null --max-time 5 {url}',
  'node-insecure': `"${process.execPath}" ${NODE_CLIENT} {url} --insecure`,
  'node-verifying': `"${process.execPath}" ${NODE_CLIENT} {url} --ca ${caPath}`,
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Run a client command asynchronously: the genuine server lives in this process and must keep answering. */
const shell = (command: string) =>
  new Promise<number | null>((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

beforeAll(async () => {
  pki = await makePki();
  if (!available) return;
  genuine = createHttps({ cert: pki.server.certPem, key: pki.server.keyPem }, (req, res) => {
    received += 1;
    req.resume();
    res.writeHead(200).end('genuine');
  });
  await new Promise<void>((resolve) => genuine.listen(0, '127.0.0.1', resolve));
  const upstream = (genuine.address() as AddressInfo).port;
  confdir = mkdtempSync(join(tmpdir(), 'palisade-mitm-'));
  mitmPort = await freePort();
  // Its own CA in confdir (made on first start); it does not verify the genuine server (ssl_insecure).
  mitm = spawn('mitmdump', ['--mode', `reverse:https://127.0.0.1:${upstream}`, '--listen-host', '127.0.0.1', '--listen-port', String(mitmPort), '--set', `confdir=${confdir}`, '--set', 'ssl_insecure=true', '-q'], { stdio: 'ignore' });
  await until('mitmdump listens', () => accepts(mitmPort), 30_000, 200);
}, 45_000);
afterAll(async () => {
  mitm?.kill('SIGTERM');
  if (genuine) {
    genuine.closeAllConnections();
    await new Promise((resolve) => genuine.close(resolve));
  }
  if (confdir) rmSync(confdir, { recursive: true, force: true });
  pki.cleanup();
});

describe('mitmproxy and the untrusted_ca drill agree', () => {
  it('marks vulnerable exactly the clients that complete a request through mitmproxy', async () => {
    if (!available) {
      if (process.env['CI']) throw new Error('mitmdump is required in CI (Debian package mitmproxy)');
      console.warn('skipping: mitmdump is not installed (Debian package mitmproxy)');
      return;
    }
    const commands = clients(pki.caPath);
    const throughMitm: Record<string, boolean> = {};
    for (const [name, command] of Object.entries(commands)) {
      const before = received;
      const code = await shell(command.replaceAll('{url}', `https://localhost:${mitmPort}/api/orders`));
      throughMitm[name] = code === 0 && received === before + 1;
    }
    // What mitmproxy saw, independently of Palisade.
    expect(throughMitm).toEqual({ 'curl-verifying': false, 'curl-insecure': true, 'node-insecure': true, 'node-verifying': false });

    const file = writeDrillFile(pki, 'drill.yaml', {
      name: 'mitm-agreement',
      clients: Object.entries(commands).map(([name, command]) => ({ name, genuine: { cert: pki.server.cert, key: pki.server.key }, command, scenarios: ['untrusted_ca'] })),
    });
    const { report } = await runDrillJson(pki, file);
    for (const name of Object.keys(commands)) {
      expect(outcomes(report, name)['untrusted_ca'], name).toBe(throughMitm[name] ? 'vulnerable' : 'resisted');
    }
  });
});
