// Client drill in waiting mode (staging): no command; the client under test calls on its own
// schedule, and each impostor waits `waitMs` on the fixed port the client calls. Here the
// client is a real loop of `curl -k` every 200 ms, started before the drill.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../helpers/pki.js';
import { outcomes, runDrillJson, writeDrillFile } from '../helpers/drill.js';

let pki: TestPki;
let port: number;
let client: ChildProcess;

beforeAll(async () => {
  pki = await makePki();
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  // Bounded: at most 600 calls (two minutes), killed after the test in any case.
  client = spawn('/bin/sh', ['-c', `i=0; while [ $i -lt 600 ]; do curl -sk -o /dev/null --max-time 2 https://localhost:${port}/scheduled; i=$((i+1)); sleep 0.2; done`], { stdio: 'ignore', detached: true });
});
afterAll(() => {
  try {
    process.kill(-(client.pid as number), 'SIGKILL');
  } catch {
    client.kill('SIGKILL');
  }
  pki.cleanup();
});

describe('client drill: waiting for scheduled calls', () => {
  it('judges the calls the client makes on its own', async () => {
    const file = writeDrillFile(pki, 'drill.yaml', {
      name: 'scheduled',
      clients: [{ name: 'cron-client', listen: { address: '127.0.0.1', port }, genuine: { cert: pki.server.cert, key: pki.server.key }, waitMs: 1500, scenarios: ['self_signed', 'plaintext'] }],
    });
    const { report } = await runDrillJson(pki, file);
    expect(report.baselines[0]?.ok).toBe(true);
    expect(outcomes(report)).toEqual({ self_signed: 'vulnerable', plaintext: 'resisted' });
    expect(report.results.find((r) => r.scenario === 'self_signed')?.request).toEqual({ method: 'GET', path: '/scheduled', credentials: [] });
  });
});
