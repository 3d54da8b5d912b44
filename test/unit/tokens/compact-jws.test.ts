// Strict compact JWS parsing: the one canonical unpadded base64url spelling, exactly three
// parts, header and payload UTF-8 JSON objects, and the signing input as signed.
import { expect, test } from 'vitest';
import { decodeBase64url, parseCompactJws } from '../../../src/tokens/compact-jws.js';

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test('canonical unpadded base64url decodes; every other spelling of the same bytes is refused', () => {
  for (const bytes of [Buffer.alloc(0), Buffer.from([0xfb]), Buffer.from([0xfb, 0xff]), Buffer.from([0xfb, 0xff, 0xbf]), Buffer.from('any text at all')]) {
    const text = bytes.toString('base64url');
    expect(decodeBase64url(text)).toEqual(bytes);
    const padding = '='.repeat((4 - (text.length % 4)) % 4);
    if (padding !== '') expect(decodeBase64url(text + padding)).toBeUndefined();
  }
  expect(decodeBase64url('-_8')).toEqual(Buffer.from([0xfb, 0xff]));
  expect(decodeBase64url('-_8=')).toBeUndefined();
  expect(decodeBase64url('-_9')).toBeUndefined(); // stray low bits: 0xfb 0xff again under atob
  expect(decodeBase64url('-w')).toEqual(Buffer.from([0xfb]));
  expect(decodeBase64url('-x')).toBeUndefined();
  expect(decodeBase64url('-w==')).toBeUndefined();
  expect(decodeBase64url('abcde')).toBeUndefined(); // one character past a multiple of four holds no byte
  expect(decodeBase64url('ab cd')).toBeUndefined();
  expect(decodeBase64url('ab\ncd')).toBeUndefined();
  expect(decodeBase64url('ab+/')).toBeUndefined();
  expect(decodeBase64url('abé')).toBeUndefined();
});

test('a compact JWT parses into header, payload, signing input and the still-encoded signature', () => {
  const header = part({ alg: 'ES256', kid: 'k' });
  const payload = part({ iss: 'x', exp: 1 });
  const parsed = parseCompactJws(`${header}.${payload}.c2ln`);
  expect(parsed?.header).toEqual({ alg: 'ES256', kid: 'k' });
  expect(parsed?.payload).toEqual({ iss: 'x', exp: 1 });
  expect(parsed?.signingInput.toString('latin1')).toBe(`${header}.${payload}`);
  expect(parsed?.encodedSignature).toBe('c2ln');
  expect(parseCompactJws(`${header}.${payload}.`)?.encodedSignature).toBe('');
});

test('anything but three parts with JSON-object header and payload is refused', () => {
  const header = part({ alg: 'ES256' });
  const payload = part({ iss: 'x' });
  for (const token of [
    '', '.', '..', '...', header, `${header}.${payload}`, `${header}.${payload}.s.t`, `${header}.${payload}.s.t.u`, `.${payload}.s`, `${header}..s`,
    `${part([1])}.${payload}.s`, `${header}.${part('text')}.s`, `${header}.${part(null)}.s`, `${header}.${part(7)}.s`,
    `${Buffer.from('{"alg":').toString('base64url')}.${payload}.s`, `${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.${payload}.s`,
    `${header}=.${payload}.s`, `${header}.${payload}=.s`,
  ]) {
    expect(parseCompactJws(token), token).toBeUndefined();
  }
});
