// A verified peer that sends its headers and part of its body, then nothing, is cut at
// server.requestTimeoutMs with a real 408 request_timeout (not a silent close logged as 499),
// counted and logged; the app's request is cancelled. The body guard is set so it cannot fire
// first: this is Node's whole-request timeout.
import { expect, test } from 'vitest';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { rawPeer } from '../helpers/raw-peer.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: {
    listener: { server: { headersTimeoutMs: 1000, requestTimeoutMs: 2000, bodyIdleTimeoutMs: 60_000, minBodyBytesPerSecond: 0 } },
  },
});

test('a body that stops short is answered 408 request_timeout at requestTimeoutMs', async () => {
  // Chunked, so the sidecar streams it to the app (nothing to buffer first).
  const { response } = await rawPeer(sidecar.port, pki, pki.frontend, (write) => {
    write('POST /api/upload HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
  });
  expect(response.startsWith('HTTP/1.1 408')).toBe(true);
  expect(response).toContain('"reason":"request_timeout"');
  expect(response.toLowerCase()).toContain('connection: close');

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { route: 'api', decision: 'deny', reason: 'request_timeout' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { reason: 'client_disconnected' })).toBe(0);
  const audit = sidecar.logs.requests();
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ peer: IDS.frontend, status: 408, reason: 'request_timeout' });
  expect(JSON.stringify(audit[0])).toContain('server.requestTimeoutMs');
});
