// An upstream that resets its connection mid-response: the client sees the response cut off
// (never a truncated body that looks complete), the audit line records the abort, and the
// sidecar keeps serving the next request.
import { expect, test } from 'vitest';
import { request } from 'undici';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { Handler, TestUpstream } from '../helpers/upstream.js';

const FULL_LENGTH = 10_000;
const SENT_BEFORE_RESET = 1_000;

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

const handler: Handler = (req, res) => {
  if (req.url === '/api/reset') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(FULL_LENGTH) });
    // Destroy only once the partial body has been handed to the kernel.
    res.write(Buffer.alloc(SENT_BEFORE_RESET, 0x61), () => res.socket?.destroy());
    return;
  }
  const text = JSON.stringify({ url: req.url });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  app: handler,
});

test('an upstream reset mid-body cuts the client response off, and the sidecar keeps serving', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const response = await request(`${sidecar.url}/api/reset`, { dispatcher: agent });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-length']).toBe(String(FULL_LENGTH));
  // The body read fails: the client never mistakes the truncated body for a complete one.
  await expect(response.body.arrayBuffer()).rejects.toThrow();
  await agent.close();

  // A fresh connection to the same sidecar and upstream still works.
  const again = mtlsAgent(pki, pki.frontend);
  const healthy = await call(`${sidecar.url}/api/healthy`, again);
  await again.close();
  expect(healthy.status).toBe(200);
  expect(healthy.json()).toEqual({ url: '/api/healthy' });

  const audit = sidecar.logs.requests();
  expect(audit).toHaveLength(2);
  const reset = audit.find((line) => line['path'] === '/api/reset');
  expect(reset).toMatchObject({ peer: IDS.frontend, route: 'api', status: 200, reason: 'upstream_unavailable' });
  expect(reset?.['aborted']).toEqual(expect.stringContaining('upstream'));
  const ok = audit.find((line) => line['path'] === '/api/healthy');
  expect(ok).toMatchObject({ status: 200, reason: 'none' });
  expect(ok?.['aborted']).toBeUndefined();

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'app', route: 'api', reason: 'upstream_unavailable' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'app', route: 'api', reason: 'none' })).toBe(1);
  // The cut-off is logged once, as the request it was; not also as a malformed request.
  expect(sidecar.logs.lines().filter((line) => line['type'] === 'client_error')).toEqual([]);
});
