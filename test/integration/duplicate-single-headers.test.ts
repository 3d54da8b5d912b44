// A field that must be single, sent twice, is refused before any check runs: 400
// malformed_request, in both directions, and neither the app nor the remote upstream ever sees
// the request. Node keeps only the first of these in req.headers (what the checks read) while
// the raw lines would all be forwarded: a second Host used to reach undici and come back as a
// 502 counted as "allow". Signature and digest dictionaries repeating a member key are the same
// ambiguity one level down; so are a missing or invalid Host and a Connection header naming a
// field the checks read. Raw sockets: HTTP clients refuse to send most of this.
import { afterAll, expect, test } from 'vitest';
import { ORDERS_ID } from '../helpers/egress.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { head, rawPlain, rawTls, startBothWays, type BothWays } from '../helpers/raw-http.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { startTlsUpstream, type TlsUpstream } from '../helpers/tls-upstream.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let app: TestUpstream;
let remote: TlsUpstream;
let sidecar: BothWays;
/** mode: report: these refusals deny anyway (the request cannot be forwarded faithfully). */
let reporting: RunningSidecar;

withScenario((started) => ({ pki, upstream: app, sidecar: reporting } = started), {
  sidecar: async ({ pki, upstream: app }) => {
    const orders = await pki.issue('orders', { uris: [ORDERS_ID], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    remote = await startTlsUpstream(pki, orders);
    sidecar = await startBothWays(pki, { upstreamUrl: app.url, egressTo: remote.url, routes: [{ name: 'all', path: '/**', allow: ['*'] }] });
    return { mode: 'report', routes: [{ name: 'all', path: '/**', allow: [] }] };
  },
});

afterAll(async () => {
  await sidecar?.close();
  await remote?.close();
});

const INBOUND_CASES: Array<[string, string[]]> = [
  ['two Host lines', ['Host: localhost', 'Host: evil.example']],
  ['two Host lines differing in case', ['host: localhost', 'HOST: localhost']],
  ['two Authorization lines', ['Host: localhost', 'Authorization: Bearer a', 'Authorization: Bearer b']],
  ['two Content-Type lines', ['Host: localhost', 'Content-Type: application/json', 'Content-Type: text/plain']],
  ['two X-Request-Id lines', ['Host: localhost', 'X-Request-Id: one', 'x-request-id: two']],
  ['two Origin lines', ['Host: localhost', 'Origin: https://a.example', 'Origin: https://b.example']],
  ['two User-Agent lines', ['Host: localhost', 'User-Agent: a', 'User-Agent: b']],
  ['a Signature-Input label on two lines', ['Host: localhost', 'Signature-Input: sig1=("@method");created=1', 'Signature-Input: sig1=("@path");created=1', 'Signature: sig1=:AAAA:']],
  ['a Signature-Input label twice in one line', ['Host: localhost', 'Signature-Input: sig1=("@method");created=1, sig1=("@path");created=1', 'Signature: sig1=:AAAA:']],
  ['a Signature label on two lines', ['Host: localhost', 'Signature-Input: sig1=("@method");created=1', 'Signature: sig1=:AAAA:', 'Signature: sig1=:BBBB:']],
  ['a Content-Digest algorithm twice', ['Host: localhost', 'Content-Digest: sha-256=:AAAA:', 'Content-Digest: sha-256=:BBBB:']],
  // The same class one step over: a Host that is not exactly one valid authority.
  ['no Host at all (HTTP/1.1)', ['Accept: */*']],
  ['a Host with a path', ['Host: localhost/admin']],
  ['a Host with userinfo', ['Host: admin@localhost']],
  ['a Host with a space', ['Host: local host']],
  // Connection naming an end-to-end field would strip it from what the app gets, after the checks read it.
  ['Connection naming Host', ['Host: localhost', 'Connection: host']],
  ['Connection naming Authorization', ['Host: localhost', 'Authorization: Bearer a', 'Connection: keep-alive, Authorization']],
  ['Connection naming Signature-Input', ['Host: localhost', 'Connection: signature-input']],
];

test.each(INBOUND_CASES)('inbound: %s → 400 malformed_request, the app never sees it', async (_name, lines) => {
  const before = app.received.length;
  const response = await rawTls(sidecar.inboundPort, pki, head('GET /anything HTTP/1.1', ...lines));
  expect(response.status).toBe(400);
  expect(response.reason).toBe('malformed_request');
  expect(app.received.length).toBe(before);
});

test('inbound: Content-Length twice (same or different values) and a list value are refused by the parser', async () => {
  for (const lines of [
    ['Content-Length: 2', 'Content-Length: 3'],
    ['Content-Length: 2', 'Content-Length: 2'],
    ['Content-Length: 2, 2'],
  ]) {
    const response = await rawTls(sidecar.inboundPort, pki, `${head('POST /anything HTTP/1.1', 'Host: localhost', ...lines)}ab`);
    expect(response.status, lines.join(' / ')).toBe(400);
    expect(response.reason).toBe('malformed_request');
  }
  expect(app.received).toHaveLength(0);
});

test('inbound: list fields may repeat, and the app gets every line', async () => {
  const response = await rawTls(sidecar.inboundPort, pki, head('GET /ok HTTP/1.1', 'Host: localhost', 'Accept: text/plain', 'Accept: application/json', 'X-Tag: a', 'X-Tag: b', 'Connection: close'));
  expect(response.status).toBe(200);
  const seen = app.received.at(-1)!;
  expect(seen.url).toBe('/ok');
  expect(seen.rawHeaders.filter((_, i, all) => i % 2 === 1 && all[i - 1]?.toLowerCase() === 'x-tag')).toEqual(['a', 'b']);
});

test('refusals are counted and logged as denials, never as allowed 502s', async () => {
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'app', route: 'unmatched', decision: 'deny', reason: 'malformed_request' })).toBeGreaterThanOrEqual(INBOUND_CASES.length);
  const audit = sidecar.logs.requests().filter((line) => line['listener'] === 'app');
  expect(audit.filter((line) => line['reason'] === 'upstream_unavailable')).toEqual([]);
  const line = audit.find((entry) => entry['reason'] === 'malformed_request' && entry['decision'] === 'deny');
  expect(line).toBeDefined();
  // The detail names the field, never its value (an Authorization value is a secret).
  expect(JSON.stringify(audit)).not.toContain('Bearer b');
});

test.each([
  ['two Host lines (each naming an upstream)', ['Host: orders', 'Host: other']],
  ['two Authorization lines', ['Host: orders', 'Authorization: Bearer a', 'Authorization: Bearer b']],
  ['two Content-Type lines', ['Host: orders', 'Content-Type: a/b', 'Content-Type: c/d']],
])('egress: %s from the app → 400 malformed_request, the upstream never sees it', async (_name, lines) => {
  const before = remote.received.length;
  const response = await rawPlain(sidecar.egressPort, head('GET /orders/1 HTTP/1.1', ...lines));
  expect(response.status).toBe(400);
  expect(response.reason).toBe('malformed_request');
  expect(remote.received.length).toBe(before);
});

test('egress: a clean call still goes through', async () => {
  const response = await rawPlain(sidecar.egressPort, head('GET /orders/2 HTTP/1.1', 'Host: orders', 'Connection: close'));
  expect(response.status).toBe(200);
  expect(remote.received.at(-1)?.url).toBe('/orders/2');
});

test('report mode: a repeated Host is still refused (it cannot be forwarded faithfully)', async () => {
  const before = app.received.length;
  const response = await rawTls(reporting.port, pki, head('GET /report HTTP/1.1', 'Host: localhost', 'Host: evil.example'));
  expect(response.status).toBe(400);
  expect(response.reason).toBe('malformed_request');
  expect(app.received.length).toBe(before);
  expect(reporting.logs.requests().at(-1)).toMatchObject({ decision: 'deny', reason: 'malformed_request', status: 400 });
});
