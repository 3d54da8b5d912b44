// Identity-shaped headers from a verified peer never reach the app as the peer wrote them.
// X-Forwarded-For, Forwarded and X-Real-IP come from the sidecar's own view of the peer
// (replace by default, or append to the peer's chain); the headers only a proxy may assert
// (x-spiffe-id, x-client-cert*, x-forwarded-user...) are removed, plus headers.strip; a header
// name with "_" that folds onto one of those (X_Forwarded_Client_Cert: the CVE-2024-45614 class)
// is refused, and other "_" names follow headers.underscores. Egress keeps the app's user
// headers but never lets it claim a certificate identity. Raw sockets: clients rewrite names.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ORDERS_ID } from '../helpers/egress.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { head, rawPlain, rawTls, startBothWays, type BothWays } from '../helpers/raw-http.js';
import { startSidecar } from '../helpers/sidecar.js';
import { startTlsUpstream, type TlsUpstream } from '../helpers/tls-upstream.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let app: TestUpstream;
let remote: TlsUpstream;
/** Defaults (forwardedFor: replace, underscores: reject), plus headers.strip on both sides. */
let sidecar: BothWays;
/** forwardedFor: append, underscores: drop (and x-corp-identity stripped). */
let appending: BothWays;
/** underscores: allow (and x-corp-identity stripped). */
let allowing: BothWays;

const ROUTES = [{ name: 'all', path: '/**', allow: ['*'] }];
const FORGED_ADMIN = 'spiffe://test.palisade.local/ns/ops/sa/admin';

beforeAll(async () => {
  pki = await makePki();
  app = await startUpstream();
  const orders = await pki.issue('orders', { uris: [ORDERS_ID], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  remote = await startTlsUpstream(pki, orders);
  sidecar = await startBothWays(pki, {
    upstreamUrl: app.url,
    egressTo: remote.url,
    routes: ROUTES,
    listener: { headers: { strip: ['x-corp-identity', 'x-corp-auth-*'] } },
    egress: { headers: { strip: ['x-internal-*'] } },
  });
  appending = await startBothWays(pki, { upstreamUrl: app.url, egressTo: remote.url, routes: ROUTES, listener: { headers: { forwardedFor: 'append', underscores: 'drop', strip: ['x-corp-identity'] } } });
  allowing = await startBothWays(pki, { upstreamUrl: app.url, egressTo: remote.url, routes: ROUTES, listener: { headers: { underscores: 'allow', strip: ['x-corp-identity'] } } });
});

afterAll(async () => {
  for (const running of [sidecar, appending, allowing]) await running?.close();
  await app?.close();
  await remote?.close();
  pki?.cleanup();
});

/** Every value the app got for `name`, raw lines in order. */
function received(name: string): string[] {
  const raw = app.received.at(-1)?.rawHeaders ?? [];
  return raw.filter((_, i) => i % 2 === 1 && raw[i - 1]?.toLowerCase() === name);
}

const IDENTITY_LINES = [
  `X-Spiffe-Id: ${FORGED_ADMIN}`,
  'X-Client-Cert: MIIB...',
  'X-Client-Cert-Chain: MIIB...',
  'Client-Cert: :MIIB:',
  'X-SSL-Client-S-DN: CN=admin',
  'X-SSL-Client-Verify: SUCCESS',
  'X-Forwarded-User: admin',
  'X-Forwarded-Email: admin@example.org',
  'X-Forwarded-Groups: admins',
  'X-Remote-User: admin',
  'X-Auth-Request-User: admin',
  'X-Auth-Request-Email: admin@example.org',
  'X-Forwarded-Host: admin.internal',
  'X-Original-URL: /admin',
  'X-Rewrite-URL: /admin',
  'X-HTTP-Method-Override: DELETE',
  'X-Envoy-Original-Path: /admin',
  'X-Corp-Identity: admin',
  'X-Corp-Auth-Level: root',
];

test('forged forwarding and identity headers are replaced or removed; ordinary ones pass', async () => {
  const response = await rawTls(
    sidecar.inboundPort,
    pki,
    head('GET /whoami HTTP/1.1', 'Host: localhost', 'X-Forwarded-For: 10.66.6.6', 'Forwarded: for=10.66.6.6;proto=https', 'X-Real-IP: 10.66.6.6', ...IDENTITY_LINES, 'X-Custom: kept', 'Connection: close'),
  );
  expect(response.status).toBe(200);
  expect(app.received.at(-1)?.url).toBe('/whoami');
  expect(received('x-forwarded-for')).toEqual(['127.0.0.1']);
  expect(received('forwarded')).toEqual(['for=127.0.0.1;proto=https']);
  expect(received('x-real-ip')).toEqual(['127.0.0.1']);
  for (const line of IDENTITY_LINES) {
    const name = line.slice(0, line.indexOf(':')).toLowerCase();
    expect(received(name), name).toEqual([]);
  }
  expect(received('x-custom')).toEqual(['kept']);
  // The real XFCC, once, naming the real peer.
  const xfcc = received('x-forwarded-client-cert');
  expect(xfcc).toHaveLength(1);
  expect(xfcc[0]).toContain(`URI=${IDS.frontend}`);
  expect(xfcc[0]).not.toContain(FORGED_ADMIN);
});

test.each([
  ['X_Forwarded_Client_Cert', `URI=${FORGED_ADMIN}`],
  ['x_forwarded_client_cert', `URI=${FORGED_ADMIN}`],
  ['X_Spiffe_Id', FORGED_ADMIN],
  ['X_Forwarded_For', '10.66.6.6'],
  ['X_Real_IP', '10.66.6.6'],
  ['X-Forwarded_User', 'admin'],
  ['x-auth_request-user', 'admin'],
  ['X_SSL_Client_S_DN', 'CN=admin'],
  ['X_Request_Id', 'forged'],
  ['Content_Length', '0'],
  ['Transfer_Encoding', 'chunked'],
  ['Proxy_Authorization', 'Basic eA=='],
  ['Content_Type', 'text/plain'],
  ['X_HTTP_Method_Override', 'DELETE'],
  ['X_Original_URL', '/admin'],
  ['X_Corp_Identity', 'admin'],
])('a "_" name folding onto a protected one (%s) → 400 header_not_allowed in every underscores mode', async (name, value) => {
  for (const running of [sidecar, appending, allowing]) {
    const before = app.received.length;
    const response = await rawTls(running.inboundPort, pki, head('GET /fold HTTP/1.1', 'Host: localhost', `${name}: ${value}`));
    expect(response.status, name).toBe(400);
    expect(response.reason).toBe('header_not_allowed');
    expect(app.received.length).toBe(before);
  }
});

test('other "_" names: reject (default) refuses, drop removes, allow forwards', async () => {
  const request = head('GET /trace HTTP/1.1', 'Host: localhost', 'X_Trace_Id: t-1', 'Connection: close');
  const rejected = await rawTls(sidecar.inboundPort, pki, request);
  expect(rejected.status).toBe(400);
  expect(rejected.reason).toBe('header_not_allowed');

  const dropped = await rawTls(appending.inboundPort, pki, request);
  expect(dropped.status).toBe(200);
  expect(app.received.at(-1)?.url).toBe('/trace');
  expect(received('x_trace_id')).toEqual([]);

  const allowed = await rawTls(allowing.inboundPort, pki, request);
  expect(allowed.status).toBe(200);
  expect(received('x_trace_id')).toEqual(['t-1']);
});

test('forwardedFor: append keeps the peer’s chain and adds the peer’s address; X-Real-IP is always the peer', async () => {
  const response = await rawTls(
    appending.inboundPort,
    pki,
    head('GET /chain HTTP/1.1', 'Host: localhost', 'X-Forwarded-For: 203.0.113.7', 'X-Forwarded-For: 10.0.0.1', 'Forwarded: for=203.0.113.7', 'X-Real-IP: 203.0.113.7', `X-Spiffe-Id: ${FORGED_ADMIN}`, 'Connection: close'),
  );
  expect(response.status).toBe(200);
  expect(app.received.at(-1)?.url).toBe('/chain');
  expect(received('x-forwarded-for')).toEqual(['203.0.113.7, 10.0.0.1, 127.0.0.1']);
  expect(received('forwarded')).toEqual(['for=203.0.113.7, for=127.0.0.1;proto=https']);
  expect(received('x-real-ip')).toEqual(['127.0.0.1']);
  expect(received('x-spiffe-id')).toEqual([]);
});

test('egress: the app keeps its user and forwarding headers, never a certificate identity', async () => {
  const response = await rawPlain(
    sidecar.egressPort,
    head(
      'GET /orders/me HTTP/1.1',
      'Host: orders',
      'X-Forwarded-For: 198.51.100.4',
      'X-Forwarded-User: alice',
      `X-Spiffe-Id: ${FORGED_ADMIN}`,
      'X-Client-Cert: MIIB...',
      'X-SSL-Client-Verify: SUCCESS',
      `X-Forwarded-Client-Cert: URI=${FORGED_ADMIN}`,
      'X-Internal-Token: t',
      'Connection: close',
    ),
  );
  expect(response.status).toBe(200);
  const seen = remote.received.at(-1)!;
  expect(seen.url).toBe('/orders/me');
  expect(seen.headers['x-forwarded-for']).toBe('198.51.100.4');
  expect(seen.headers['x-forwarded-user']).toBe('alice');
  for (const name of ['x-spiffe-id', 'x-client-cert', 'x-ssl-client-verify', 'x-forwarded-client-cert', 'x-internal-token']) expect(seen.headers[name], name).toBeUndefined();
});

test('egress: "_" names folding onto protected ones, and any "_" name by default, are refused', async () => {
  const before = remote.received.length;
  for (const line of [`X_Forwarded_Client_Cert: URI=${FORGED_ADMIN}`, `X_Spiffe_Id: ${FORGED_ADMIN}`, 'X_Internal_Token: t', 'X_Trace_Id: 1']) {
    const response = await rawPlain(sidecar.egressPort, head('GET /orders/u HTTP/1.1', 'Host: orders', line));
    expect(response.status, line).toBe(400);
    expect(response.reason).toBe('header_not_allowed');
  }
  expect(remote.received.length).toBe(before);
});

test('report mode: a folding "_" name is still refused', async () => {
  const reporting = await startSidecar(pki, { upstreamUrl: app.url, mode: 'report', routes: [{ name: 'all', path: '/**', allow: [] }] });
  try {
    const before = app.received.length;
    const response = await rawTls(reporting.port, pki, head('GET /report HTTP/1.1', 'Host: localhost', `X_Forwarded_Client_Cert: URI=${FORGED_ADMIN}`));
    expect(response.status).toBe(400);
    expect(response.reason).toBe('header_not_allowed');
    expect(app.received.length).toBe(before);
  } finally {
    await reporting.close();
  }
});
