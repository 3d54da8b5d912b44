// `palisade drill --pushgateway URL` pushes palisade_drill_results_total to a real Prometheus
// Pushgateway (Debian package prometheus-pushgateway, started here on a free port), grouped by
// job="palisade_drill" and drill="<name>"; a second run replaces the first run's series.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../helpers/pki.js';
import { hasTool, runDrillCli, writeDrillFile } from '../helpers/drill.js';
import { until } from '../helpers/wait.js';

const TOOL = 'prometheus-pushgateway';
const available = hasTool(TOOL);
let pki: TestPki;
let gateway: ChildProcess | undefined;
let gatewayUrl: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  pki = await makePki();
  if (!available) return;
  const port = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  gateway = spawn(TOOL, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  await until('the pushgateway is ready', async () => (await fetch(`${gatewayUrl}/-/ready`).catch(() => undefined))?.status === 200, 20_000, 100);
}, 30_000);
afterAll(() => {
  gateway?.kill('SIGTERM');
  pki.cleanup();
});

const series = async () => (await (await fetch(`${gatewayUrl}/metrics`)).text()).split('\n').filter((line) => line.startsWith('palisade_drill_'));

describe('palisade drill --pushgateway', () => {
  it('pushes the results to a real Pushgateway', async () => {
    if (!available) {
      if (process.env['CI']) throw new Error(`${TOOL} is required in CI (Debian package prometheus-pushgateway)`);
      console.warn(`skipping: ${TOOL} is not installed (Debian package prometheus-pushgateway)`);
      return;
    }
    const drill = (scenarios: string[]) =>
      writeDrillFile(pki, `drill-${scenarios.length}.yaml`, {
        name: 'nightly',
        clients: [{ name: 'curl-k', genuine: { cert: pki.server.cert, key: pki.server.key }, command: 'curl -sk -o /dev/null --max-time 5 {url}', scenarios }],
      });
    const first = await runDrillCli(drill(['self_signed', 'plaintext']), ['--pushgateway', gatewayUrl]);
    expect(first.code).toBe(1);
    const pushed = await series();
    expect(pushed).toContain('palisade_drill_results_total{drill="nightly",instance="",job="palisade_drill",outcome="vulnerable",scenario="self_signed",target="curl-k"} 1');
    expect(pushed).toContain('palisade_drill_results_total{drill="nightly",instance="",job="palisade_drill",outcome="resisted",scenario="plaintext",target="curl-k"} 1');
    expect(pushed.some((line) => line.startsWith('palisade_drill_last_run_timestamp_seconds{drill="nightly"'))).toBe(true);

    // PUT replaces the group: the next run's results, not a sum of both.
    const second = await runDrillCli(drill(['plaintext']), ['--pushgateway', gatewayUrl]);
    expect(second.code).toBe(0);
    const replaced = (await series()).filter((line) => line.startsWith('palisade_drill_results_total'));
    expect(replaced).toEqual(['palisade_drill_results_total{drill="nightly",instance="",job="palisade_drill",outcome="resisted",scenario="plaintext",target="curl-k"} 1']);
  });

  it('exits 1 and says so when the push fails', async () => {
    const port = await freePort();
    const file = writeDrillFile(pki, 'drill-unreachable.yaml', {
      name: 'nightly',
      clients: [{ name: 'curl-k', genuine: { cert: pki.server.cert, key: pki.server.key }, command: 'curl -sk -o /dev/null --max-time 5 {url}', scenarios: ['plaintext'] }],
    });
    const result = await runDrillCli(file, ['--pushgateway', `http://127.0.0.1:${port}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/push to http:\/\/127\.0\.0\.1:\d+\/metrics\/job\/palisade_drill\/drill\/nightly failed: ECONNREFUSED/);
  });
});
