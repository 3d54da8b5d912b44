// `palisade demo` works as printed: the curl commands it prints, run with the real curl, do
// what their labels say (allowed reaches the echo app, no cert fails the handshake, denied gets
// identity_not_allowed, metrics shows both decisions and the no_client_cert refusal), and
// Ctrl-C (SIGINT) exits 0 and removes the temporary directory it made.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startCli, type LongRunning } from '../helpers/cli.js';

const run = promisify(execFile);
let demo: LongRunning;

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The command printed after `label:` in the demo's output, as argv for execFile. */
function printed(label: string): string[] {
  const match = demo.stdout().match(new RegExp(`^\\s+${label}:\\s+(curl .+)$`, 'm'));
  if (!match?.[1]) throw new Error(`no "${label}:" command in the demo output:\n${demo.stdout()}`);
  const [command, ...args] = match[1].trim().split(/ +/);
  expect(command).toBe('curl');
  return ['-sS', '--max-time', '10', ...args];
}

beforeAll(async () => {
  demo = startCli(['demo', '--port', '0', '--admin-port', '0']);
  await demo.waitFor(/Running until Ctrl-C/, 20_000);
});

afterAll(() => {
  demo?.kill();
});

test('the printed allowed curl reaches the echo app', async () => {
  const { stdout } = await run('curl', printed('allowed'), { timeout: 15_000 });
  expect(stdout).toContain('"app":"echo"');
  expect(stdout).toContain('"path":"/api/hello"');
});

test('the printed no-cert curl fails', async () => {
  await expect(run('curl', printed('no cert'), { timeout: 15_000 })).rejects.toMatchObject({ code: expect.any(Number) });
});

test('the printed denied curl is refused with identity_not_allowed', async () => {
  const { stdout } = await run('curl', printed('denied'), { timeout: 15_000 });
  expect(stdout).toContain('identity_not_allowed');
  expect(stdout).not.toContain('"app":"echo"');
});

test('the printed metrics curl shows allow, deny and the no-cert handshake refusal', async () => {
  const { stdout } = await run('curl', printed('metrics'), { timeout: 15_000 });
  const lines = stdout.split('\n');
  expect(lines.some((line) => line.startsWith('palisade_requests_total{') && line.includes('decision="allow"'))).toBe(true);
  expect(lines.some((line) => line.startsWith('palisade_requests_total{') && line.includes('decision="deny",reason="identity_not_allowed"'))).toBe(true);
  expect(lines.some((line) => line.startsWith('palisade_tls_handshakes_total{') && line.includes('reason="no_client_cert"'))).toBe(true);
});

test('SIGINT exits 0 and removes the temporary directory', async () => {
  const dir = demo.stdout().match(/certificates and config: (\S+)/)?.[1];
  expect(dir).toBeTruthy();
  expect(existsSync(dir!)).toBe(true);
  demo.child.kill('SIGINT');
  expect(await within(demo.exited(), 15_000, 'demo to exit')).toBe(0);
  expect(existsSync(dir!)).toBe(false);
});
