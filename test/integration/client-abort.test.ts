// When the client goes away while the upstream is still working on its request (before the
// response headers, mid-response, or mid-upload), the sidecar cancels the upstream request
// (closes that upstream connection) instead of leaving it to run, and records the request as
// client_disconnected.
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { request } from 'undici';
import { mtlsAgent } from '../helpers/client.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let arrived = 0;
let closed = 0;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  // Holds every request open and never finishes it; records when the request's response closes.
  app: (req, res) => {
    arrived += 1;
    res.once('close', () => (closed += 1));
    // /api/stream sends its headers and a first chunk, then holds the body open.
    if (req.url === '/api/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk\n');
    }
    // Read (and discard) any request body: an app that never reads its socket cannot see it close.
    req.resume();
  },
  streaming: true,
});

test('a client abort cancels the in-flight upstream request', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const controller = new AbortController();
  const pending = request(`${sidecar.url}/api/long-poll`, { dispatcher: agent, signal: controller.signal });
  pending.catch(() => undefined);

  await until('the app to receive the request', () => arrived === 1, 5_000, 20);
  expect(closed).toBe(0);
  controller.abort();
  await expect(pending).rejects.toThrow();

  // The sidecar closes the upstream request: the app sees its request go away.
  await until('the app to see its request close', () => closed === 1, 5_000, 20);
  await agent.close();

  await until('the audit log line', () => sidecar.logs.requests().length === 1, 5_000, 20);
  const audit = sidecar.logs.requests();
  expect(audit[0]).toMatchObject({ peer: IDS.frontend, route: 'api', path: '/api/long-poll', status: 499, reason: 'client_disconnected' });
  expect(audit[0]?.['aborted']).toEqual(expect.any(String));
});

test('a client that goes away mid-response cancels the streaming upstream response', async () => {
  const before = { arrived, closed, logged: sidecar.logs.requests().length };
  const agent = mtlsAgent(pki, pki.frontend);
  const controller = new AbortController();
  const response = await request(`${sidecar.url}/api/stream`, { dispatcher: agent, signal: controller.signal });
  expect(response.statusCode).toBe(200);
  const reading = response.body.text();
  reading.catch(() => undefined);
  expect(arrived).toBe(before.arrived + 1);
  expect(closed).toBe(before.closed);

  controller.abort();
  await expect(reading).rejects.toThrow();

  await until('the app to see its request close', () => closed === before.closed + 1, 5_000, 20);
  await agent.close();

  await until('the audit log line', () => sidecar.logs.requests().length === before.logged + 1, 5_000, 20);
  const line = sidecar.logs.requests().at(-1);
  expect(line).toMatchObject({ peer: IDS.frontend, path: '/api/stream', status: 200, reason: 'client_disconnected' });
  expect(line?.['aborted']).toEqual(expect.stringContaining('client'));
});

test('a client that goes away mid-upload cancels the upstream request', async () => {
  const before = { arrived, closed, logged: sidecar.logs.requests().length };
  const agent = mtlsAgent(pki, pki.frontend);
  const controller = new AbortController();
  // A request body that is never finished: 64 KiB, then nothing.
  const body = new PassThrough();
  const pending = request(`${sidecar.url}/api/upload`, { dispatcher: agent, method: 'POST', body, signal: controller.signal });
  pending.catch(() => undefined);
  body.write(Buffer.alloc(64 * 1024, 0x62));

  await until('the app to receive the request', () => arrived === before.arrived + 1, 5_000, 20);
  controller.abort();
  await expect(pending).rejects.toThrow();

  await until('the app to see its request close', () => closed === before.closed + 1, 5_000, 20);
  await agent.close();

  await until('the audit log line', () => sidecar.logs.requests().length === before.logged + 1, 5_000, 20);
  expect(sidecar.logs.requests().at(-1)).toMatchObject({ peer: IDS.frontend, method: 'POST', path: '/api/upload', status: 499, reason: 'client_disconnected' });
});
