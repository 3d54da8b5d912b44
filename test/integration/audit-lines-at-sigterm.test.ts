// `palisade run` writes its log lines to stdout in batches. Stopping it must not lose one: every
// request answered before SIGTERM has its audit line on stdout when the process has exited,
// the last batch and the "stopped" line included.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { startCli, type LongRunning } from '../helpers/cli.js';
import { call, mtlsAgent } from '../helpers/client.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { sidecarConfig } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const REQUESTS = 60;

let pki: TestPki;
let upstream: TestUpstream;
let cli: LongRunning;
let port: number;

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream((_req, res) => res.end('ok'));
  const configPath = join(pki.dir, 'palisade.yaml');
  writeFileSync(configPath, stringify(sidecarConfig(pki, { upstreamUrl: upstream.url, top: { drainTimeoutMs: 5_000 } })));
  cli = startCli(['run', '-c', configPath]);
  const started = await cli.waitFor(/^.*"palisade started".*$/m);
  port = (JSON.parse(started[0]) as { inbound: { app: { port: number } } }).inbound.app.port;
});

afterAll(async () => {
  cli?.kill();
  await upstream?.close();
  pki?.cleanup();
});

test('SIGTERM right after a burst of requests: every audit line reaches stdout before exit', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const ids: string[] = [];
  for (let i = 0; i < REQUESTS; i += 1) {
    const id = `audit-${i}`;
    ids.push(id);
    // Allowed and denied requests alike are audited.
    const response = await call(`https://localhost:${port}/${i % 3 === 0 ? 'nowhere' : 'api/items'}/${i}`, agent, { headers: { 'x-request-id': id } });
    expect(response.status).toBe(i % 3 === 0 ? 403 : 200);
  }
  await agent.close();
  // No pause: the signal lands while the last lines are still in the batch.
  expect(cli.child.kill('SIGTERM')).toBe(true);
  let exited: number | null | undefined;
  const timer = setTimeout(() => cli.kill(), 15_000);
  try {
    exited = await cli.exited();
  } finally {
    clearTimeout(timer);
  }
  expect(exited).toBe(0);
  const lines = cli
    .stdout()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as { type?: string; request_id?: string; msg?: string });
  const audited = lines.filter((line) => line.type === 'request').map((line) => line.request_id);
  expect(audited).toEqual(ids);
  expect(lines.at(-1)?.msg).toBe('stopped');
});
