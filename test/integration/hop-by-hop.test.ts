// Hop-by-hop headers stop at the sidecar in both directions (RFC 9110 §7.6.1): the fixed set
// (Connection, Keep-Alive, TE, Trailer, Upgrade, Proxy-Connection, HTTP2-Settings) and every
// field the Connection header names. End-to-end headers, duplicates included, pass through.
// undici refuses to send most of these, so the client writes HTTP/1.1 by hand over node:tls.
import { connect } from 'node:tls';
import { expect, test } from 'vitest';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

interface RawResponse {
  readonly statusLine: string;
  /** [name, value] pairs in wire order, names as sent. */
  readonly headers: Array<[string, string]>;
  readonly body: string;
}

/** Send one hand-written request over mTLS and read one content-length-framed response. */
function rawRequest(head: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    let settled = false;
    const socket = connect(
      { host: '127.0.0.1', port: sidecar.port, ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem, servername: 'localhost' },
      () => socket.write(head),
    );
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(5_000, () => fail(new Error(`timeout; got ${data.toString('latin1')}`)));
    socket.on('error', fail);
    socket.on('close', () => fail(new Error(`closed before a full response; got ${data.toString('latin1')}`)));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
      const headers = lines.map((line): [string, string] => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon), line.slice(colon + 1).trim()];
      });
      const length = Number(headers.find(([name]) => name.toLowerCase() === 'content-length')?.[1] ?? NaN);
      if (!Number.isFinite(length)) return fail(new Error(`response without content-length: ${data.toString('latin1')}`));
      if (data.length < end + 4 + length) return;
      settled = true;
      socket.destroy();
      resolve({ statusLine: statusLine ?? '', headers, body: data.subarray(end + 4, end + 4 + length).toString('utf8') });
    });
  });
}

const values = (headers: Array<[string, string]>, name: string) => headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  app: (_req, res) => {
    const text = JSON.stringify({ ok: true });
    res.setHeader('content-type', 'application/json');
    res.setHeader('content-length', Buffer.byteLength(text));
    res.setHeader('connection', 'x-resp-drop');
    res.setHeader('x-resp-drop', '1');
    res.setHeader('keep-alive', 'timeout=9');
    res.setHeader('x-resp-kept', 'yes');
    res.setHeader('x-resp-dup', ['a', 'b']);
    res.writeHead(200);
    res.end(text);
  },
});

test('hop-by-hop request headers never reach the app; end-to-end ones and duplicates do', async () => {
  const response = await rawRequest(
    [
      'GET /api/hop HTTP/1.1',
      'Host: localhost',
      'Connection: keep-alive, x-drop-me',
      'Connection: X-Drop-Too',
      'x-drop-me: 1',
      'X-DROP-TOO: 2',
      'Keep-Alive: timeout=5',
      'TE: trailers',
      'Trailer: x-checksum',
      'Proxy-Connection: keep-alive',
      'Upgrade: h2c',
      'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
      'x-dup: one',
      'x-dup: two',
      'X-End-To-End: kept',
      '',
      '',
    ].join('\r\n'),
  );

  expect(response.statusLine).toBe('HTTP/1.1 200 OK');
  expect(upstream.received).toHaveLength(1);
  const seen = upstream.received[0]!;
  const names: string[] = [];
  for (let i = 0; i < seen.rawHeaders.length; i += 2) names.push((seen.rawHeaders[i] as string).toLowerCase());

  for (const dropped of ['keep-alive', 'te', 'trailer', 'proxy-connection', 'upgrade', 'http2-settings', 'x-drop-me', 'x-drop-too']) {
    expect(names, dropped).not.toContain(dropped);
  }
  // At most the sidecar's own connection management to the app, never the peer's list.
  const connection = seen.rawHeaders.filter((_, i) => i % 2 === 1 && names[(i - 1) / 2] === 'connection');
  expect(connection.length).toBeLessThanOrEqual(1);
  for (const value of connection) expect(['keep-alive', 'close']).toContain(value.toLowerCase());

  // Duplicates arrive as two separate fields, in order; other end-to-end headers survive.
  const dup = seen.rawHeaders.filter((_, i) => i % 2 === 1 && names[(i - 1) / 2] === 'x-dup');
  expect(dup).toEqual(['one', 'two']);
  expect(seen.headers['x-end-to-end']).toBe('kept');
  expect(names.filter((name) => name === 'host')).toHaveLength(1);
});

test('hop-by-hop response headers from the app never reach the client', async () => {
  const response = await rawRequest('GET /api/resp HTTP/1.1\r\nHost: localhost\r\n\r\n');

  expect(response.statusLine).toBe('HTTP/1.1 200 OK');
  expect(JSON.parse(response.body)).toEqual({ ok: true });
  expect(values(response.headers, 'x-resp-drop')).toEqual([]);
  // The sidecar's own keep-alive management towards the client, never the app's.
  for (const value of values(response.headers, 'connection')) expect(value.toLowerCase()).not.toContain('x-resp-drop');
  expect(values(response.headers, 'keep-alive')).not.toContain('timeout=9');
  expect(values(response.headers, 'x-resp-kept')).toEqual(['yes']);
  expect(values(response.headers, 'x-resp-dup').join(', ')).toBe('a, b');
});

test('a websocket upgrade request is forwarded as a plain request, without its upgrade headers', async () => {
  const before = upstream.received.length;
  const response = await rawRequest(
    'GET /api/ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );

  expect(response.statusLine).toBe('HTTP/1.1 200 OK');
  expect(upstream.received).toHaveLength(before + 1);
  const seen = upstream.received[before]!;
  expect(seen.headers['upgrade']).toBeUndefined();
  expect(seen.headers['connection']?.toLowerCase()).not.toContain('upgrade');
});
