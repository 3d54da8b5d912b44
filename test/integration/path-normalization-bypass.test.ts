// Path tricks cannot reach a route the peer is not allowed on: the path is normalized before
// matching, the upstream receives exactly the path that was matched, and what cannot be
// normalized is refused with 400 path_not_normalized. Sent over a raw TLS socket so the client
// library cannot normalize the path first.
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let strict: RunningSidecar;

// frontend may call /public/** only; /admin/** belongs to an ops identity.
const routes = [
  { name: 'public', path: '/public/**', allow: [IDS.frontend] },
  { name: 'admin', path: '/admin/**', allow: ['spiffe://test.palisade.local/ns/ops/sa/admin'] },
];

withScenario((started) => ({ pki, upstream, sidecar } = started), { sidecar: { routes } });

// A second sidecar in front of the same app, with paths.strict.
beforeAll(async () => {
  strict = await startSidecar(pki, { upstreamUrl: upstream.url, routes, listener: { paths: { strict: true } } });
});
afterAll(async () => {
  await strict?.close();
});

function rawRequest(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem, servername: 'localhost' }, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(data.slice(9, 12));
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe('normalized, then matched, then forwarded as matched', () => {
  test.each([
    ['/admin/../public/x', '/public/x', 200],
    ['/public/../admin/users', '/admin/users', 403],
    ['//admin/users', '/admin/users', 403],
    ['/public/%2e%2e/admin/users', '/admin/users', 403],
    ['/public/.%2E/admin', '/admin', 403],
    ['/%61dmin/users', '/admin/users', 403],
    ['/public/./x', '/public/x', 200],
    ['/public//x', '/public/x', 200],
  ])('%s → matched as %s → %i', async (target, normalized, status) => {
    const before = upstream.received.length;
    const response = await rawRequest(sidecar.port, target);
    expect(response.status).toBe(status);
    if (status === 200) {
      expect(upstream.received.length).toBe(before + 1);
      expect(upstream.received[upstream.received.length - 1]!.url).toBe(normalized);
    } else {
      expect(upstream.received.length).toBe(before);
      expect(JSON.parse(response.body)['reason']).toBe('identity_not_allowed');
    }
  });
});

describe('refused with 400 path_not_normalized', () => {
  test.each(['/public/%2fadmin', '/public%2F..%2Fadmin/users', '/public/..%5cadmin', '/public\\..\\admin', '/public/%00', '/public/%zz'])('%s', async (target) => {
    const before = upstream.received.length;
    const response = await rawRequest(sidecar.port, target);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ reason: 'path_not_normalized' });
    expect(upstream.received.length).toBe(before);
  });
});

test('strict mode refuses any path that needed normalizing, and passes normal ones', async () => {
  expect((await rawRequest(strict.port, '/public/./x')).status).toBe(400);
  expect((await rawRequest(strict.port, '/admin/../public/x')).status).toBe(400);
  expect((await rawRequest(strict.port, '/public/x')).status).toBe(200);
});
