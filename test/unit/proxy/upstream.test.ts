// classifyUpstreamError: how a failure talking to the app maps to a reason code. Aborts are the
// client leaving, undici's timeouts are upstream_timeout, a short request body is the peer's
// fault, and everything else (refused, reset, closed, unknown) is upstream_unavailable.
import { describe, expect, test } from 'vitest';
import { errors } from 'undici';
import { classifyUpstreamError } from '../../../src/proxy/upstream.js';

describe('classifyUpstreamError', () => {
  test.each([
    ['UND_ERR_ABORTED', 'client_disconnected'],
    ['ABORT_ERR', 'client_disconnected'],
    ['UND_ERR_HEADERS_TIMEOUT', 'upstream_timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'upstream_timeout'],
    ['UND_ERR_CONNECT_TIMEOUT', 'upstream_timeout'],
    ['UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'malformed_request'],
    ['ECONNREFUSED', 'upstream_unavailable'],
    ['ECONNRESET', 'upstream_unavailable'],
    ['EPIPE', 'upstream_unavailable'],
    ['ETIMEDOUT', 'upstream_unavailable'],
    ['EHOSTUNREACH', 'upstream_unavailable'],
    ['UND_ERR_SOCKET', 'upstream_unavailable'],
    ['UND_ERR_CLOSED', 'upstream_unavailable'],
    ['UND_ERR_DESTROYED', 'upstream_unavailable'],
    ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'upstream_unavailable'],
    ['UND_ERR_INVALID_ARG', 'upstream_unavailable'],
    ['SOMETHING_NEW', 'upstream_unavailable'],
  ])('code %s → %s', (code, reason) => {
    expect(classifyUpstreamError({ code })).toBe(reason);
    // The same with a real Error carrying the code.
    expect(classifyUpstreamError(Object.assign(new Error('boom'), { code }))).toBe(reason);
  });

  test('an AbortError by name (the AbortSignal reason) is the client leaving', () => {
    expect(classifyUpstreamError({ name: 'AbortError' })).toBe('client_disconnected');
    const controller = new AbortController();
    controller.abort();
    expect(classifyUpstreamError(controller.signal.reason)).toBe('client_disconnected');
  });

  test("undici's own error classes carry the codes mapped above", () => {
    expect(classifyUpstreamError(new errors.RequestAbortedError())).toBe('client_disconnected');
    expect(classifyUpstreamError(new errors.HeadersTimeoutError())).toBe('upstream_timeout');
    expect(classifyUpstreamError(new errors.BodyTimeoutError())).toBe('upstream_timeout');
    expect(classifyUpstreamError(new errors.ConnectTimeoutError())).toBe('upstream_timeout');
    expect(classifyUpstreamError(new errors.RequestContentLengthMismatchError())).toBe('malformed_request');
    expect(classifyUpstreamError(new errors.SocketError('other side closed'))).toBe('upstream_unavailable');
    expect(classifyUpstreamError(new errors.ClientDestroyedError())).toBe('upstream_unavailable');
  });

  test.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'ECONNREFUSED'],
    ['an empty object', {}],
    ['an Error without a code', new Error('no code')],
  ])('%s → upstream_unavailable, never a throw', (_name, error) => {
    expect(classifyUpstreamError(error)).toBe('upstream_unavailable');
  });
});
