// server.maxHeaderCount (default 100, Envoy's) bounds the header fields of a request in both
// directions: above it 431 too_many_headers and nothing is forwarded; at or below it every
// field reaches the checks and the app, none silently dropped (Node's own count limit, which
// truncates quietly, is off), and the sidecar's own headers come first in what the app gets,
// so an app server that keeps only its first N fields still learns who called.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ORDERS_ID } from '../helpers/egress.js';
import { metric } from '../helpers/metrics.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { head, rawPlain, rawTls, startBothWays, type BothWays } from '../helpers/raw-http.js';
import { startSidecar } from '../helpers/sidecar.js';
import { startTlsUpstream, type TlsUpstream } from '../helpers/tls-upstream.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let app: TestUpstream;
/** An app server without Node's default count limit (about 1,000 fields), to see all that is forwarded. */
let roomyApp: TestUpstream;
let remote: TlsUpstream;
/** Defaults: maxHeaderCount 100. */
let sidecar: BothWays;
/** maxHeaderCount 1200, maxHeaderBytes 64 KiB. */
let roomy: BothWays;

const ROUTES = [{ name: 'all', path: '/**', allow: ['*'] }];

beforeAll(async () => {
  pki = await makePki();
  app = await startUpstream();
  roomyApp = await startUpstream();
  roomyApp.server.maxHeadersCount = 0;
  const orders = await pki.issue('orders', { uris: [ORDERS_ID], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  remote = await startTlsUpstream(pki, orders);
  sidecar = await startBothWays(pki, { upstreamUrl: app.url, egressTo: remote.url, routes: ROUTES });
  roomy = await startBothWays(pki, {
    upstreamUrl: roomyApp.url,
    egressTo: remote.url,
    routes: ROUTES,
    listener: { server: { maxHeaderCount: 1200, maxHeaderBytes: 65_536 } },
    egress: { server: { maxHeaderCount: 1200, maxHeaderBytes: 65_536 } },
  });
});

afterAll(async () => {
  await sidecar?.close();
  await roomy?.close();
  await app?.close();
  await roomyApp?.close();
  await remote?.close();
  pki?.cleanup();
});

/** `count` fields in all, Host first; `at` puts a given field at a 1-based position. */
function fields(count: number, host: string, at: Record<number, string> = {}): string[] {
  const out = [`Host: ${host}`];
  for (let position = 2; position <= count; position += 1) out.push(at[position] ?? `x-f${position}: v`);
  return out;
}

const names = (raw: readonly string[]) => raw.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
/** What the app got after the HTTP client's own framing fields (undici writes Host and Connection first). */
const afterFraming = (raw: readonly string[]) => names(raw).filter((name) => name !== 'host' && name !== 'connection');

test('exactly maxHeaderCount fields: 200, the app gets every one, the sidecar’s own first', async () => {
  const response = await rawTls(sidecar.inboundPort, pki, head('GET /at-limit HTTP/1.1', ...fields(100, 'localhost')));
  expect(response.status).toBe(200);
  const seen = app.received.at(-1)!;
  expect(seen.url).toBe('/at-limit');
  const got = afterFraming(seen.rawHeaders);
  expect(got.slice(0, 3)).toEqual(['x-forwarded-client-cert', 'x-forwarded-proto', 'x-request-id']);
  for (let position = 2; position <= 100; position += 1) expect(got, `x-f${position}`).toContain(`x-f${position}`);
});

test.each([
  ['one field over the limit', 101],
  ['about 1,100 short fields (well under maxHeaderBytes)', 1100],
])('inbound: %s → 431 too_many_headers, the app never sees it', async (_name, count) => {
  const before = app.received.length;
  const response = await rawTls(sidecar.inboundPort, pki, head('GET /over HTTP/1.1', ...fields(count, 'localhost')));
  expect(response.status).toBe(431);
  expect(response.reason).toBe('too_many_headers');
  expect(app.received.length).toBe(before);
});

test('a bearer token in field 1,013 is not read as missing: the whole request is refused first', async () => {
  const before = app.received.length;
  const response = await rawTls(sidecar.inboundPort, pki, head('GET /token HTTP/1.1', ...fields(1100, 'localhost', { 1013: 'Authorization: Bearer abc.def.ghi', 1050: 'Connection: close' })));
  expect(response.status).toBe(431);
  expect(response.reason).toBe('too_many_headers');
  expect(app.received.length).toBe(before);
});

test('with a raised limit, field 1,050 is seen by the sidecar and all 1,100 fields reach the app', async () => {
  const response = await rawTls(roomy.inboundPort, pki, head('GET /roomy HTTP/1.1', ...fields(1100, 'localhost', { 1050: 'X-Request-Id: far-down-1050' })));
  expect(response.status).toBe(200);
  const seen = roomyApp.received.at(-1)!;
  expect(seen.url).toBe('/roomy');
  // The sidecar read field 1,050 (it kept the peer's request id and sent it first), so the checks saw it too.
  expect(seen.headers['x-request-id']).toBe('far-down-1050');
  // First after the framing fields: an app that keeps only its first N fields still has them.
  const got = afterFraming(seen.rawHeaders);
  expect(got.slice(0, 3)).toEqual(['x-forwarded-client-cert', 'x-forwarded-proto', 'x-request-id']);
  for (const position of [2, 1000, 1001, 1024, 1025, 1100]) expect(got, `x-f${position}`).toContain(`x-f${position}`);
  expect(got.filter((name) => /^x-f\d+$/.test(name))).toHaveLength(1098);
});

test('egress: the app’s request over the limit → 431 too_many_headers, the upstream never sees it', async () => {
  const before = remote.received.length;
  for (const count of [101, 1100]) {
    const response = await rawPlain(sidecar.egressPort, head('GET /orders/many HTTP/1.1', ...fields(count, 'orders')));
    expect(response.status, String(count)).toBe(431);
    expect(response.reason).toBe('too_many_headers');
  }
  expect(remote.received.length).toBe(before);
  const ok = await rawPlain(sidecar.egressPort, head('GET /orders/few HTTP/1.1', ...fields(100, 'orders')));
  expect(ok.status).toBe(200);
  expect(remote.received.at(-1)?.url).toBe('/orders/few');
  expect(remote.received.at(-1)?.headers['x-f100']).toBe('v');
});

test('refusals are counted as denials with their reason', async () => {
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'app', decision: 'deny', reason: 'too_many_headers' })).toBe(3);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'out', decision: 'deny', reason: 'too_many_headers' })).toBe(2);
});

test('report mode: over the limit is still refused', async () => {
  const reporting = await startSidecar(pki, { upstreamUrl: app.url, mode: 'report', routes: [{ name: 'all', path: '/**', allow: [] }] });
  try {
    const before = app.received.length;
    const response = await rawTls(reporting.port, pki, head('GET /report HTTP/1.1', ...fields(101, 'localhost')));
    expect(response.status).toBe(431);
    expect(response.reason).toBe('too_many_headers');
    expect(app.received.length).toBe(before);
  } finally {
    await reporting.close();
  }
});
