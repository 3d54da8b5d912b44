// A reload replaces the list of periodic probe targets: a removed target leaves GET /probes and
// the metrics, an added one is probed.
import { createServer, type AddressInfo, type Server } from 'node:net';
import { request } from 'undici';
import { expect, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import type { ProbeReport } from '../../src/probe/types.js';
import { scrape } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import { sidecarConfig, type RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let closedPort: number;

async function probes(): Promise<Record<string, ProbeReport>> {
  return (await (await request(`${sidecar.adminUrl}/probes`)).body.json()) as Record<string, ProbeReport>;
}

async function waitFor(name: string): Promise<Record<string, ProbeReport>> {
  for (let tries = 0; tries < 300; tries += 1) {
    const current = await probes();
    if (current[name]) return current;
    await sleep(100);
  }
  throw new Error(`${name} never probed`);
}

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    return { top: { probes: [{ name: 'first', target: `127.0.0.1:${closedPort}`, intervalMs: 60_000 }] } };
  },
});

test('reload: the removed target goes, the added one comes', async () => {
  expect(Object.keys(await waitFor('first'))).toEqual(['first']);
  expect(await scrape(sidecar.adminUrl)).toContain('palisade_probe_up{target="first"} 0');
  const next = loadConfigObject(sidecarConfig(pki, { upstreamUrl: upstream.url, top: { probes: [{ name: 'second', target: `127.0.0.1:${closedPort}`, intervalMs: 60_000 }] } }), pki.dir);
  if (!next.ok) throw new Error(next.errors.join('\n'));
  sidecar.sidecar.reload(next.value);
  expect(Object.keys(await probes())).toEqual([]);
  expect(Object.keys(await waitFor('second'))).toEqual(['second']);
  const text = await scrape(sidecar.adminUrl);
  expect(text).not.toContain('target="first"');
  expect(text).toContain('palisade_probe_up{target="second"} 0');
});
