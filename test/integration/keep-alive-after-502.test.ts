// An app failure for a request the sidecar read whole (502 upstream_unavailable) leaves the
// peer's connection in a known state: it stays open and serves the next request, with no new
// handshake (closing it would turn an app outage into a handshake storm).
import { Client } from 'undici';
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
  // Resets the connection of every request to /api/fail, answers the rest.
  app: (req, res) => {
    if (req.url?.startsWith('/api/fail')) req.socket.destroy();
    else res.end('ok');
  },
});

test('after a 502 the same keep-alive connection serves the next request', async () => {
  const client = new Client(sidecar.url, { connect: { ca: pki.ca.certPem, servername: 'localhost', cert: pki.frontend.certPem, key: pki.frontend.keyPem } });
  const send = async (path: string, body?: string) => {
    const response = await client.request({ method: body === undefined ? 'GET' : 'POST', path, ...(body === undefined ? {} : { body }) });
    const text = await response.body.text();
    return { status: response.statusCode, connection: response.headers['connection'], text };
  };
  const failed = await send('/api/fail');
  expect(failed.status).toBe(502);
  expect(failed.connection).not.toBe('close');
  expect(JSON.parse(failed.text)).toMatchObject({ reason: 'upstream_unavailable' });

  // A small body is read whole before forwarding: a failure with it keeps the connection too.
  expect((await send('/api/fail', 'payload')).status).toBe(502);
  expect((await send('/api/ok')).status).toBe(200);
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { listener: 'app', result: 'success' })).toBe(1);
  await client.close();
});
