// The app sends its response headers and part of the body, then stalls: at
// upstream.bodyTimeoutMs the response is cut off (a truncated body must not look complete) and
// the request is recorded as upstream_timeout, not upstream_unavailable.
import { connect } from 'node:tls';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { metric } from '../helpers/metrics.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial');
  });
  sidecar = await startSidecar(pki, { upstreamUrl: upstream.url, listener: { upstream: { url: upstream.url, bodyTimeoutMs: 300 } } });
});

afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('an app that stalls mid-body: response cut off, reason upstream_timeout', async () => {
  const received = await new Promise<string>((resolve) => {
    let data = '';
    const socket = connect({ host: '127.0.0.1', port: sidecar.port, ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem, servername: 'localhost' }, () => {
      socket.write('GET /api/stall HTTP/1.1\r\nHost: localhost\r\n\r\n');
    });
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(data));
  });
  expect(received.startsWith('HTTP/1.1 200')).toBe(true);
  // Closed after the 7 bytes it got, short of the 100 declared.
  expect(received.endsWith('partial')).toBe(true);

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { route: 'api', reason: 'upstream_timeout' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { reason: 'upstream_unavailable' })).toBe(0);
  const [line] = sidecar.logs.requests();
  expect(line).toMatchObject({ status: 200, reason: 'upstream_timeout' });
  expect(line?.['aborted']).toContain('UND_ERR_BODY_TIMEOUT');
});
