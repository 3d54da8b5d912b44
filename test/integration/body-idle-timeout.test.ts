// A body that pauses longer than server.bodyIdleTimeoutMs is cut with 408 request_timeout long
// before server.requestTimeoutMs; a small body (read whole before an app connection is taken)
// never reached the app at all.
import { expect, test } from 'vitest';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { rawPeer } from '../helpers/raw-peer.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let appConnections = 0;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: ({ upstream }) => {
    upstream.server.on('connection', () => appConnections++);
    return { listener: { server: { bodyIdleTimeoutMs: 500, minBodyBytesPerSecond: 0 } } };
  },
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
