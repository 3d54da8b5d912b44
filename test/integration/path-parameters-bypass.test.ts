// The route Palisade authorizes must be the route the app dispatches to. Behind an allowed
// catch-all, /admin;x=y, /%61dmin; and /admin%3Bx=y used to be forwarded as sent, and Tomcat,
// Jetty and Spring dispatch them to /admin. Path parameters are refused by default (400
// path_not_normalized); with paths.parameters: strip they are cut off before matching and the
// app gets the path that was matched. The same for the other things servers strip or fold
// before dispatch: trailing dots and spaces, encoded control characters, double encoding,
// overlong UTF-8, fullwidth letters. Raw sockets: HTTP clients normalize these targets.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { TestPki } from '../helpers/pki.js';
import { head, rawTls } from '../helpers/raw-http.js';
import { withScenario } from '../helpers/scenario.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let app: TestUpstream;
/** paths.parameters: reject (the default). */
let sidecar: RunningSidecar;
/** paths.parameters: strip. */
let stripping: RunningSidecar;

// The frontend may call anything except /admin/**.
const ROUTES = [
  { name: 'admin', path: '/admin/**', allow: ['spiffe://test.palisade.local/ns/ops/sa/admin'] },
  { name: 'rest', path: '/**', allow: ['*'] },
];

withScenario((started) => ({ pki, upstream: app, sidecar } = started), { sidecar: { routes: ROUTES } });

// A second sidecar in front of the same app, stripping path parameters instead.
beforeAll(async () => {
  stripping = await startSidecar(pki, { upstreamUrl: app.url, routes: ROUTES, listener: { paths: { parameters: 'strip' } } });
});

afterAll(async () => {
  await stripping?.close();
});

const get = (port: number, target: string) => rawTls(port, pki, head(`GET ${target} HTTP/1.1`, 'Host: localhost', 'Connection: close'));

test('the baseline: the frontend is refused on /admin and allowed elsewhere', async () => {
  expect((await get(sidecar.port, '/admin')).reason).toBe('identity_not_allowed');
  const ok = await get(sidecar.port, '/public/x');
  expect(ok.status).toBe(200);
  expect(app.received.at(-1)?.url).toBe('/public/x');
});

test.each([
  '/admin;x=y',
  '/%61dmin;',
  '/admin;jsessionid=ABC/users',
  '/public/..;/admin',
  '/;/admin',
  '//admin;x/',
  '/admin%3Bx=y',
  '/admin%3b',
  '/admin.',
  '/admin%2e',
  '/admin./users',
  '/admin%20',
  '/admin%09',
  '/admin%0a',
  '/admin%0d%0a',
  '/%252e%252e/admin',
  '/public/%252e%252e/admin',
  '/%c0%ae%c0%ae/admin',
  '/%e0%80%ae/admin',
  '/adm%c0%e9n',
  '/%ef%bd%81dmin',
  '/%EF%BC%A1DMIN',
  '/admin%e2%80%a4',
  '/public\\..\\admin',
  '/public%5c..%5cadmin',
])('default: %s → 400 path_not_normalized, the app never sees it', async (target) => {
  const before = app.received.length;
  const response = await get(sidecar.port, target);
  expect(response.status, target).toBe(400);
  expect(response.reason, target).toBe('path_not_normalized');
  expect(app.received.length).toBe(before);
});

test('raw bytes outside printable ASCII in the target are refused', async () => {
  const before = app.received.length;
  const response = await rawTls(sidecar.port, pki, Buffer.concat([Buffer.from('GET /adm'), Buffer.from([0xc3, 0xad]), Buffer.from('n HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')]));
  expect(response.status).toBe(400);
  expect(['path_not_normalized', 'malformed_request']).toContain(response.reason);
  expect(app.received.length).toBe(before);
});

test('well-formed targets with dots, UTF-8 and reserved characters still pass unchanged', async () => {
  for (const target of ['/public/v1.2/file.json', '/public/caf%C3%A9', '/public/a%3Ab', '/.well-known/x', '/public/x?q=a;b&c=%3B']) {
    const response = await get(sidecar.port, target);
    expect(response.status, target).toBe(200);
    expect(app.received.at(-1)?.url).toBe(target);
  }
});

test.each([
  ['/admin;x=y', 'identity_not_allowed'],
  ['/%61dmin;', 'identity_not_allowed'],
  ['/public/..;/admin', 'identity_not_allowed'],
  ['/;x=1/admin/users', 'identity_not_allowed'],
  ['/admin%3Bx=y', 'path_not_normalized'],
])('strip: %s is matched without its parameters → %s', async (target, reason) => {
  const before = app.received.length;
  const response = await get(stripping.port, target);
  expect(response.reason, target).toBe(reason);
  expect(app.received.length).toBe(before);
});

test('strip: an allowed path is forwarded as it was matched, without its parameters', async () => {
  const response = await get(stripping.port, '/public/cart;jsessionid=ABC/items;v=2?x=1');
  expect(response.status).toBe(200);
  expect(app.received.at(-1)?.url).toBe('/public/cart/items?x=1');
});
