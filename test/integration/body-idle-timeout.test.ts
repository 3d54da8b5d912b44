// A body that pauses longer than server.bodyIdleTimeoutMs is cut with 408 request_timeout long
// before server.requestTimeoutMs; a small body (read whole before an app connection is taken)
// never reached the app at all.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { metric } from '../helpers/metrics.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { rawPeer } from '../helpers/raw-peer.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let appConnections = 0;

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  upstream.server.on('connection', () => appConnections++);
  sidecar = await startSidecar(pki, { upstreamUrl: upstream.url, listener: { server: { bodyIdleTimeoutMs: 500, minBodyBytesPerSecond: 0 } } });
});

afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('a body idle past bodyIdleTimeoutMs gets 408 and never holds an app connection', async () => {
  const { response } = await rawPeer(sidecar.port, pki, pki.frontend, (write) => {
    write('POST /api/upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nhalf');
  });
  expect(response.startsWith('HTTP/1.1 408')).toBe(true);
  expect(response).toContain('"reason":"request_timeout"');
  expect(appConnections).toBe(0);
  expect(upstream.received).toHaveLength(0);

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { decision: 'deny', reason: 'request_timeout' })).toBe(1);
  const [line] = sidecar.logs.requests();
  expect(line).toMatchObject({ status: 408, reason: 'request_timeout' });
  expect(JSON.stringify(line)).toContain('server.bodyIdleTimeoutMs');
});
