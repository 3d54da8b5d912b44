// Header hygiene: hop-by-hop fields (the fixed set and whatever Connection names) are dropped
// both ways, sidecar-owned headers from the peer are replaced by the sidecar's, duplicates and
// order survive, and only a well-formed x-request-id is kept.
import { describe, expect, test } from 'vitest';
import { downstreamRawHeaders, requestIdFrom, upstreamRequestHeaders } from '../../../src/proxy/headers.js';

const ADDED = { 'x-forwarded-client-cert': 'By=a;Hash=b', 'x-forwarded-proto': 'https', 'x-request-id': 'rid-1' };
const ADDED_FLAT = ['x-forwarded-client-cert', 'By=a;Hash=b', 'x-forwarded-proto', 'https', 'x-request-id', 'rid-1'];

/** The names in a flat [name, value, ...] list, lowercased. */
const names = (flat: readonly string[]) => flat.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());

describe('upstreamRequestHeaders', () => {
  test('the sidecar’s own headers first, then end-to-end headers in order with their casing and duplicates', () => {
    const raw = ['Host', 'localhost', 'X-Dup', 'one', 'accept', '*/*', 'x-dup', 'two', 'Content-Length', '5'];
    expect(upstreamRequestHeaders(raw, undefined, ADDED)).toEqual([...ADDED_FLAT, ...raw]);
  });

  test('the fixed hop-by-hop set is dropped, whatever its casing', () => {
    const raw = [
      'Connection', 'keep-alive',
      'KEEP-ALIVE', 'timeout=5',
      'Proxy-Connection', 'keep-alive',
      'TE', 'trailers',
      'Trailer', 'x-sum',
      'Transfer-Encoding', 'chunked',
      'Upgrade', 'h2c',
      'HTTP2-Settings', 'AAMAAABk',
      'x-kept', '1',
    ];
    expect(upstreamRequestHeaders(raw, 'keep-alive', {})).toEqual(['x-kept', '1']);
  });

  test('every field the Connection header names is dropped, case-insensitively', () => {
    const raw = ['Connection', 'keep-alive, X-Drop-Me ,, x-also', 'x-drop-me', '1', 'X-ALSO', '2', 'x-DROP-me', '3', 'x-kept', 'yes'];
    expect(upstreamRequestHeaders(raw, 'keep-alive, X-Drop-Me ,, x-also', {})).toEqual(['x-kept', 'yes']);
  });

  test('Node’s joined value of two Connection headers is honoured', () => {
    const raw = ['Connection', 'x-a', 'Connection', 'x-b', 'x-a', '1', 'x-b', '2', 'x-c', '3'];
    expect(upstreamRequestHeaders(raw, 'x-a, x-b', {})).toEqual(['x-c', '3']);
  });

  test('peer copies of sidecar-owned headers, in any casing and number, give way to exactly one of each', () => {
    const raw = [
      'x-forwarded-client-cert', 'By=spiffe://evil;URI=spiffe://x/admin',
      'X-Forwarded-Client-Cert', 'URI=spiffe://x/other',
      'X-FORWARDED-PROTO', 'http',
      'x-request-id', 'forged',
      'accept', '*/*',
    ];
    const out = upstreamRequestHeaders(raw, undefined, ADDED);
    expect(out).toEqual([...ADDED_FLAT, 'accept', '*/*']);
  });

  test('a Connection header naming a sidecar-owned header cannot strip the sidecar’s copy', () => {
    const out = upstreamRequestHeaders(['x-forwarded-client-cert', 'forged'], 'x-forwarded-client-cert, x-request-id', ADDED);
    expect(out).toEqual(ADDED_FLAT);
  });

  test('with no Connection header only the fixed set is dropped', () => {
    const out = upstreamRequestHeaders(['te', 'trailers', 'x-drop-me', '1'], undefined, {});
    expect(names(out)).toEqual(['x-drop-me']);
  });

  test('`keep` drops every other peer field, never the sidecar’s own', () => {
    const out = upstreamRequestHeaders(['x-spiffe-id', 'forged', 'accept', '*/*'], undefined, ADDED, (name) => name !== 'x-spiffe-id');
    expect(out).toEqual([...ADDED_FLAT, 'accept', '*/*']);
  });
});

/**
 * The response-header cases as the forwarder meets them: an upstream's header object turned into
 * undici's raw Buffer lines (an array value is repeated lines, an undefined one is absent), and
 * the lines written to the peer read back as an object (repeated lines as an array).
 */
function downstreamResponseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const raw: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const one of value === undefined ? [] : Array.isArray(value) ? value : [value]) raw.push(Buffer.from(name, 'latin1'), Buffer.from(one, 'latin1'));
  }
  const lines = downstreamRawHeaders(raw);
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i < lines.length; i += 2) {
    const name = lines[i] as string;
    const value = lines[i + 1] as string;
    const seen = out[name];
    out[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

describe('downstreamRawHeaders, case by case', () => {
  test('hop-by-hop response fields and those Connection names are dropped; the rest pass', () => {
    const out = downstreamResponseHeaders({
      'content-type': 'application/json',
      'content-length': '11',
      connection: 'x-resp-drop, Keep-Alive',
      'keep-alive': 'timeout=9',
      'transfer-encoding': 'chunked',
      'proxy-connection': 'keep-alive',
      trailer: 'x-sum',
      upgrade: 'h2c',
      te: 'trailers',
      'x-resp-drop': '1',
      'x-resp-kept': 'yes',
    });
    expect(out).toEqual({ 'content-type': 'application/json', 'content-length': '11', 'x-resp-kept': 'yes' });
  });

  test('multi-valued headers stay arrays and undefined values are skipped', () => {
    const out = downstreamResponseHeaders({ 'set-cookie': ['a=1', 'b=2'], 'x-dup': ['one', 'two'], 'x-missing': undefined, vary: 'accept' });
    expect(out).toEqual({ 'set-cookie': ['a=1', 'b=2'], 'x-dup': ['one', 'two'], vary: 'accept' });
  });

  test('a Connection header given as an array names fields in every element', () => {
    const out = downstreamResponseHeaders({ connection: ['x-a', 'X-B'], 'x-a': '1', 'x-b': '2', 'x-c': '3' });
    expect(out).toEqual({ 'x-c': '3' });
  });
});

describe('requestIdFrom', () => {
  test.each([
    ['a UUID', '0b6f2a9e-6a55-4d0c-9a63-0f8a1e3c4d5e'],
    ['letters, digits and . _ : -', 'trace.01HZX_abc:42-x'],
    ['a single character', 'a'],
    ['128 characters', 'a'.repeat(128)],
  ])('keeps %s', (_name, value) => {
    expect(requestIdFrom(value)).toBe(value);
  });

  test.each([
    ['undefined', undefined],
    ['an empty string', ''],
    ['129 characters', 'a'.repeat(129)],
    ['a space', 'abc def'],
    ['a comma (two joined headers)', 'first, second'],
    ['a semicolon and equals', 'id;URI=spiffe://evil'],
    ['a slash', 'a/b'],
    ['a trailing newline', 'abc\n'],
    ['CR LF', 'abc\r\nx-injected: 1'],
    ['a NUL', 'abc\x00'],
    ['non-ASCII', 'trace-é'],
    ['an array', ['a', 'b']],
  ])('refuses %s', (_name, value) => {
    expect(requestIdFrom(value)).toBeUndefined();
  });
});

describe('downstreamRawHeaders', () => {
  const raw = (...pairs: string[]) => pairs.map((value) => Buffer.from(value, 'latin1'));

  test('straight from undici\'s raw Buffers: hop-by-hop fields and those any Connection line names are dropped', () => {
    const out = downstreamRawHeaders(raw('Content-Type', 'text/plain', 'Connection', 'X-Drop', 'Keep-Alive', 'timeout=5', 'connection', 'x-also', 'X-Drop', '1', 'x-also', '2', 'Transfer-Encoding', 'chunked', 'X-Kept', 'yes'));
    expect(out).toEqual(['Content-Type', 'text/plain', 'X-Kept', 'yes']);
  });

  test('repeated fields stay separate lines in their order, with their casing; latin1 values pass byte for byte', () => {
    const out = downstreamRawHeaders(raw('Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'X-Name', 'caf\u00e9'));
    expect(out).toEqual(['Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'X-Name', 'caf\u00e9']);
  });
});
