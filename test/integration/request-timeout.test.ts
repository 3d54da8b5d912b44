// A verified peer that sends its headers too slowly (slowloris) gets 408 request_timeout and
// its connection closed, once server.headersTimeoutMs has passed; nothing reaches the app.
import { connect } from 'node:tls';
import { expect, test } from 'vitest';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: { listener: { server: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 } } },
});

test('unfinished headers → 408 request_timeout, connection closed', async () => {
  const response = await new Promise<string>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: sidecar.port, ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem, servername: 'localhost' }, () => {
      socket.write('GET /public/x HTTP/1.1\r\nHost: localhost\r\nx-slow: 1\r\n');
    });
    let data = '';
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', () => resolve(data));
    socket.on('close', () => resolve(data));
  });
  expect(response.startsWith('HTTP/1.1 408')).toBe(true);
  expect(response).toContain('"reason":"request_timeout"');
  expect(upstream.received).toHaveLength(0);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { decision: 'deny', reason: 'request_timeout' })).toBe(1);
});
