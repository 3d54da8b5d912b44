// `palisade probe` exit codes when there is nothing to probe: a closed port and a port that
// accepts TCP and never answers exit 2 and say which; bad arguments exit 2 with the reason.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { probeCommand } from '../../src/cli/probe.js';
import { UsageError } from '../../src/cli/usage.js';
import { runCli } from '../helpers/cli.js';

let silent: Server;
const sockets: Socket[] = [];
let closedPort: number;

beforeAll(async () => {
  silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
});

test('a closed port: exit 2, "TCP connection failed"', async () => {
  const result = await runCli(['probe', `127.0.0.1:${closedPort}`, '--format', 'json']);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/cannot probe 127\.0\.0\.1:\d+: TCP connection failed: ECONNREFUSED/);
  expect(JSON.parse(result.stdout)).toMatchObject({ reachable: false, findings: [] });
});

test('a port that never answers costs one timeout: exit 2, "no TLS answer"', async () => {
  const result = await runCli(['probe', `127.0.0.1:${(silent.address() as AddressInfo).port}`, '--timeout', '500ms']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('no TLS answer within 500ms');
  expect(result.stdout).toContain('target_unreachable');
  // One TCP check and one TLS attempt, nothing more.
  expect(sockets.length).toBe(2);
});

test('a port that answers with something that is not TLS: exit 2, "no TLS handshake"', async () => {
  const open: Socket[] = [];
  const garbage = createServer((socket) => {
    open.push(socket);
    socket.on('error', () => undefined);
    socket.end(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'));
  });
  await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
  try {
    const result = await runCli(['probe', `127.0.0.1:${(garbage.address() as AddressInfo).port}`, '--format', 'json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no TLS handshake/);
  } finally {
    for (const socket of open) socket.destroy();
    await new Promise((resolve) => garbage.close(resolve));
  }
});

test.each([
  [['probe'], /exactly one HOST:PORT/],
  [['probe', 'localhost:443', '--format', 'xml'], /--format must be text, json or junit/],
])('usage error %j exits 2', async (args, message) => {
  const result = await runCli(args);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(message);
});

// The same validation without a process each (main.ts maps UsageError to exit 2, as above).
test.each([
  [['localhost'], /must be HOST:PORT/],
  [['::1:443'], /must be HOST:PORT/],
  [['localhost:99999'], /port must be 1-65535/],
  [['localhost:443', '--fail-on', 'info'], /--fail-on must be low, medium, high or critical/],
  [['localhost:443', '--checks', 'protocols,tls'], /unknown check\(s\) tls/],
  [['localhost:443', '--cert', 'x.pem'], /--cert and --key go together/],
  [['localhost:443', '--timeout', 'soon'], /--timeout: invalid duration/],
  [['localhost:443', '--ca', '/nonexistent/ca.pem'], /--ca \/nonexistent\/ca.pem: file not found/],
  [['localhost:443', '--expect-identity', 'spiffe://Example.org/x'], /--expect-identity must be a SPIFFE ID or dns:NAME/],
])('usage error %j', async (args, message) => {
  await expect(probeCommand(args)).rejects.toThrow(UsageError);
  await expect(probeCommand(args)).rejects.toThrow(message);
});

test('--help lists every option with its default', async () => {
  const result = await runCli(['probe', '--help']);
  expect(result.code).toBe(0);
  for (const flag of ['--servername', '--ca', '--cert', '--key', '--expect-identity', '--max-lifetime', '--format', '--fail-on', '--timeout', '--checks']) expect(result.stdout).toContain(flag);
  expect(result.stdout).toContain('default: medium');
});
