// Malformed HTTP from a verified peer gets 400 malformed_request as JSON, and the sidecar keeps
// serving: no peer input crashes the process.
import { connect } from 'node:tls';
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started));

function raw(payload: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: sidecar.port, ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem, servername: 'localhost' }, () => socket.write(payload));
    let data = '';
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', () => resolve(data));
    socket.on('close', () => resolve(data));
  });
}

test.each([
  ['a header without a colon', 'GET /public/x HTTP/1.1\r\nHost: localhost\r\nbroken header\r\n\r\n'],
  ['both Content-Length and Transfer-Encoding', 'POST /public/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['an oversized header block', `GET /public/x HTTP/1.1\r\nHost: localhost\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`],
  ['a bad request line', 'GARBAGE\r\n\r\n'],
])('%s → 400 malformed_request', async (_name, payload) => {
  const response = await raw(payload);
  expect(response.startsWith('HTTP/1.1 400')).toBe(true);
  expect(response).toContain('"reason":"malformed_request"');
  expect(upstream.received).toHaveLength(0);
});

test('each is counted with its reason', async () => {
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { route: 'unmatched', decision: 'deny', reason: 'malformed_request' })).toBe(4);
  expect(sidecar.logs.requests().filter((line) => line['reason'] === 'malformed_request')).toHaveLength(4);
});

test('the sidecar still serves afterwards', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  expect((await call(`${sidecar.url}/public/x`, agent)).status).toBe(200);
  await agent.close();
});
