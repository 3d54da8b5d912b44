// The demo's printed `run it:` line works as printed, in a shell, while the demo runs: it starts
// a second sidecar from a config that exists for as long as the demo does, and the printed
// `then:` curl reaches the echo app through it. With --dir the files stay after the demo exits.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startCli, type LongRunning } from '../helpers/cli.js';
import { sleep } from '../helpers/wait.js';

const run = promisify(execFile);
let demo: LongRunning;
let dir: string;

beforeAll(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'palisade-demo-keep-')), 'demo files');
  demo = startCli(['demo', '--port', '0', '--admin-port', '0', '--dir', dir]);
  await demo.waitFor(/Running until Ctrl-C/, 20_000);
});

afterAll(() => {
  demo?.kill();
  if (dir) rmSync(join(dir, '..'), { recursive: true, force: true });
});

const printedLine = (label: string) => {
  const match = demo.stdout().match(new RegExp(`^\\s+${label}:\\s+(.+)$`, 'm'));
  if (!match?.[1]) throw new Error(`no "${label}:" line in the demo output:\n${demo.stdout()}`);
  return match[1].trim();
};

test('the printed run command starts a second sidecar, and the printed curl goes through it', async () => {
  const command = printedLine('run it');
  // Not on PATH here (no npm link): the line names node and the script by absolute path.
  expect(command).toMatch(/ run -c .*run\.yaml'?$/);
  // exec: the signal reaches palisade, not a shell in between.
  const child = spawn('sh', ['-c', `exec ${command}`], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    const deadline = Date.now() + 15_000;
    while (!out.includes('palisade started') && Date.now() < deadline && child.exitCode === null) await sleep(100);
    expect(out).toContain('palisade started');
    const curl = printedLine('then');
    const { stdout } = await run('sh', ['-c', `${curl} -sS --max-time 10`], { timeout: 15_000 });
    expect(stdout).toContain('"app":"echo"');
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});

test('with --dir the certificates and configs stay after the demo exits', async () => {
  expect(demo.stdout()).toContain(`Files stay in ${dir}.`);
  demo.child.kill('SIGINT');
  expect(await demo.exited()).toBe(0);
  for (const file of ['palisade.yaml', 'run.yaml', 'ca.pem', 'frontend.pem']) expect(existsSync(join(dir, file)), file).toBe(true);
});
