// The app sends its response headers and part of the body, then stalls: at
// upstream.bodyTimeoutMs the response is cut off (a truncated body must not look complete) and
// the request is recorded as upstream_timeout, not upstream_unavailable.
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
  app: (_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial');
  },
  sidecar: ({ upstream }) => ({ listener: { upstream: { url: upstream.url, bodyTimeoutMs: 300 } } }),
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
