// The hand-built ClientHello is well-formed TLS: every length field matches, the offered
// suites, SCSV and compression methods are where RFC 5246 puts them.
import { expect, test } from 'vitest';
import { buildClientHello } from '../../../src/probe/raw-hello.js';

function parse(hello: Buffer) {
  expect(hello[0]).toBe(0x16);
  expect(hello.readUInt16BE(3)).toBe(hello.length - 5);
  const handshake = hello.subarray(5);
  expect(handshake[0]).toBe(1);
  expect(handshake.readUIntBE(1, 3)).toBe(handshake.length - 4);
  const body = handshake.subarray(4);
  let at = 2 + 32;
  const sessionLength = body[at] as number;
  at += 1 + sessionLength;
  const suitesLength = body.readUInt16BE(at);
  const suites: number[] = [];
  for (let i = 0; i < suitesLength; i += 2) suites.push(body.readUInt16BE(at + 2 + i));
  at += 2 + suitesLength;
  const compression = [...body.subarray(at + 1, at + 1 + (body[at] as number))];
  at += 1 + (body[at] as number);
  const extensionsLength = body.readUInt16BE(at);
  expect(at + 2 + extensionsLength).toBe(body.length);
  const extensions: number[] = [];
  for (let p = at + 2; p < body.length; p += 4 + body.readUInt16BE(p + 2)) extensions.push(body.readUInt16BE(p));
  return { version: body.readUInt16BE(0), suites, compression, extensions };
}

test('TLS 1.2 hello with SNI, SCSV and DEFLATE', () => {
  const hello = parse(buildClientHello('orders.internal', { version: 'TLSv1.2', cipherCodes: [0xc02f, 0x002f], fallbackScsv: true, offerCompression: true, timeoutMs: 1 }));
  expect(hello.version).toBe(0x0303);
  expect(hello.suites).toEqual([0xc02f, 0x002f, 0x5600]);
  expect(hello.compression).toEqual([1, 0]);
  expect(hello.extensions).toEqual([0x0000, 0x000a, 0x000b, 0x000d, 0x0017, 0xff01]);
});

test('TLS 1.0 hello without SNI has no signature_algorithms and offers only null compression', () => {
  const hello = parse(buildClientHello(undefined, { version: 'TLSv1', cipherCodes: [0x002f], timeoutMs: 1 }));
  expect(hello.version).toBe(0x0301);
  expect(hello.suites).toEqual([0x002f]);
  expect(hello.compression).toEqual([0]);
  expect(hello.extensions).not.toContain(0x000d);
  expect(hello.extensions).not.toContain(0x0000);
});
