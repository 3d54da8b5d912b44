// The admin listener answers probes on its own port: /healthz 200, /readyz 200 once started,
// 404 for an unknown path, 405 for a method other than GET/HEAD, and /readyz turns 503 as soon
// as a drain begins (before the drain has finished).
import { request } from 'undici';
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
const held: Array<() => void> = [];

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  app: (_req, res) => {
    // Answered only when the test releases it.
    held.push(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('done'));
  },
});

async function get(path: string, method: 'GET' | 'POST' = 'GET'): Promise<{ status: number; text: string }> {
  const response = await request(`${sidecar.adminUrl}${path}`, { method, headersTimeout: 5_000, bodyTimeout: 5_000 });
  return { status: response.statusCode, text: await response.body.text() };
}

test('/healthz and /readyz answer 200 after start', async () => {
  expect(await get('/healthz')).toMatchObject({ status: 200, text: 'ok\n' });
  expect(await get('/readyz')).toMatchObject({ status: 200, text: 'ready\n' });
});

test('an unknown admin path is 404 and POST /metrics is 405', async () => {
  const missing = await get('/nope');
  expect(missing.status).toBe(404);
  expect(missing.text).toContain('/metrics');
  const post = await get('/metrics', 'POST');
  expect(post.status).toBe(405);
});

test('/readyz turns 503 while the sidecar is draining', async () => {
  // An in-flight request holds the drain open, so the admin listener is still up while we probe.
  const agent = mtlsAgent(pki, pki.frontend);
  const inFlight = call(`${sidecar.url}/api/held`, agent);
  for (let i = 0; i < 500 && held.length === 0; i += 1) await sleep(10);
  expect(held).toHaveLength(1);

  const drained = sidecar.sidecar.drain(10_000);
  const ready = await get('/readyz');
  expect(ready.status).toBe(503);
  expect(ready.text).toContain('draining');

  held[0]!();
  expect((await inFlight).status).toBe(200);
  await agent.close();
  expect(await drained).toEqual({ forced: 0 });
});
