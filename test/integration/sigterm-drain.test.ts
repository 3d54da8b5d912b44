// SIGTERM drains `palisade run` gracefully: /readyz turns 503 while the admin listener stays
// up, the in-flight request still completes with 200, new TLS connections are refused, and the
// process exits 0 once the request is done.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { startCli, type LongRunning } from '../helpers/cli.js';
import { call, mtlsAgent, tryHandshake } from '../helpers/client.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { sidecarConfig } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let cli: LongRunning;
let port: number;
let adminUrl: string;

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream((req, res) => {
    const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end(`done ${req.url}`);
    if (req.url === '/api/slow') setTimeout(answer, 1_500);
    else answer();
  });
  const configPath = join(pki.dir, 'palisade.yaml');
  writeFileSync(configPath, stringify(sidecarConfig(pki, { upstreamUrl: upstream.url, top: { drainTimeoutMs: 10_000 } })));
  cli = startCli(['run', '-c', configPath]);
  const started = await cli.waitFor(/^.*"palisade started".*$/m);
  const line = JSON.parse(started[0]) as { inbound: { app: { port: number } }; admin: string };
  port = line.inbound.app.port;
  adminUrl = `http://${line.admin}`;
});

afterAll(async () => {
  cli?.kill();
  await upstream?.close();
  pki?.cleanup();
});

test('SIGTERM: readiness off, in-flight request finishes, new connections refused, exit 0', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const inFlight = call(`https://localhost:${port}/api/slow`, agent);
  inFlight.catch(() => undefined);
  for (let i = 0; i < 500 && upstream.received.length === 0; i += 1) await sleep(10);
  expect(upstream.received.map((r) => r.url)).toEqual(['/api/slow']);

  expect(cli.child.kill('SIGTERM')).toBe(true);

  // Poll /readyz (bounded) until the signal has been handled; it must answer 503, not vanish.
  let ready = { status: 200, text: '' };
  for (let i = 0; i < 200 && ready.status === 200; i += 1) {
    const response = await request(`${adminUrl}/readyz`, { headersTimeout: 2_000, bodyTimeout: 2_000 });
    ready = { status: response.statusCode, text: await response.body.text() };
    if (ready.status === 200) await sleep(10);
  }
  expect(ready.status).toBe(503);
  expect(ready.text).toContain('draining');

  // The listening socket is closed: a new TLS connection cannot be made.
  const late = await tryHandshake(port, { ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem });
  expect(late.ok).toBe(false);
  expect(late.error).toBe('ECONNREFUSED');

  const response = await within(inFlight, 10_000, 'in-flight request');
  expect(response.status).toBe(200);
  expect(response.text).toBe('done /api/slow');
  expect(response.headers['connection']).toBe('close');
  await agent.close();

  expect(await within(cli.exited(), 15_000, 'palisade run to exit')).toBe(0);
  expect(cli.stdout()).toContain('"shutdown requested"');
  expect(cli.stdout()).toMatch(/"forced_connections":0/);
});
