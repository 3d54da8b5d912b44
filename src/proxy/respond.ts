// The one place a response the sidecar makes itself goes out, on either listener: a denial of
// the chain, a refused header block, a refusal of its own (overload), an upstream failure, a
// 408 for a request it cut, a handler failure, and the answer on the raw socket to what Node's
// HTTP parser refused. rescue.ts decides status, headers and body; this module decides whether
// the connection survives the response, and writes it. Responses the app (or an egress
// upstream) made are streamed by forward.ts, never here.
//
// Keep-alive is worth keeping where the connection is in a known state: a closed connection
// costs the peer a new TLS handshake, and under an outage a handshake storm. It is closed
// where the framing of what follows cannot be trusted or will never be read.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { DenialResponse } from '../pipeline/rescue.js';

export type ResponseKind =
  /** The chain denied before anything was forwarded: Node reads and discards the rest of the body (the body guard watches it). */
  | 'denial'
  /** The header block failed screening (a repeated Host, too many fields...): what follows it cannot be trusted. */
  | 'refused_headers'
  /** The sidecar's own refusal (overload) or an upstream failure: the body may be partly read or never will be. */
  | 'refusal'
  | 'upstream_failure'
  /** The sidecar cut a too-slow request: the rest of its body will never be read. */
  | 'timeout'
  /** A bug in a handler: nothing is known about the connection's state. */
  | 'handler_failure'
  /** Node's parser refused the bytes (no request object exists): there is no framing to continue from. */
  | 'parser_error';

export interface ConnectionFacts {
  /** The listener is draining (SIGTERM): every response ends its connection. */
  readonly draining: boolean;
  /** The request body arrived whole (req.complete). */
  readonly bodyComplete: boolean;
}

/** Whether the connection must close after this response. Exported for the unit tests. */
export function mustClose(kind: ResponseKind, response: DenialResponse, facts: ConnectionFacts): boolean {
  if (facts.draining) return true;
  // rescue.ts marks an oversized body (its rest was never read).
  if (response.headers['connection'] === 'close') return true;
  switch (kind) {
    case 'denial':
      return false;
    case 'refusal':
    case 'upstream_failure':
      // Read whole: the connection is in a known state and stays open (closing it would turn an
      // app outage into a handshake storm). Otherwise part of the body may still be in flight.
      return !facts.bodyComplete;
    case 'refused_headers':
    case 'timeout':
    case 'handler_failure':
    case 'parser_error':
      return true;
  }
}

/** Where the response goes: the request's ServerResponse, or (parser errors) the bare socket. */
export type Outlet =
  | { readonly req: IncomingMessage; readonly res: ServerResponse; readonly draining: boolean }
  | { readonly socket: Socket };

/**
 * Write `response` as `kind`. Nothing is written when the response has already started or the
 * connection is gone; for a timeout or a handler failure the connection is then cut, since a
 * response already under way cannot be finished honestly. Returns whether it was written.
 */
export function respond(outlet: Outlet, kind: ResponseKind, response: DenialResponse): boolean {
  if ('socket' in outlet) return writeRaw(outlet.socket, response);
  const { req, res } = outlet;
  if (res.headersSent || res.destroyed) {
    if (kind === 'timeout' || kind === 'handler_failure') res.destroy();
    return false;
  }
  const close = mustClose(kind, response, { draining: outlet.draining, bodyComplete: req.complete });
  if (close) res.shouldKeepAlive = false;
  res.writeHead(response.status, close ? { ...response.headers, connection: 'close' } : response.headers);
  if (kind !== 'timeout') {
    res.end(response.body);
    return true;
  }
  // Node detaches a request from its socket when the response ends, so closing the socket alone
  // would leave a reader of the body (a digest, signing) waiting forever: destroy both. Node may
  // have detached `req` already (req.socket null; newer Node does so earlier): the response's
  // socket is the same connection, and with neither left there is nothing more to close.
  const socket = req.socket ?? res.socket;
  res.end(response.body, () => {
    req.destroy();
    socket?.destroy();
  });
  return true;
}

/** No request object exists: the status line and headers by hand, then close. */
function writeRaw(socket: Socket, response: DenialResponse): boolean {
  if (!socket.writable) {
    socket.destroy();
    return false;
  }
  const head = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`];
  for (const [name, value] of Object.entries({ ...response.headers, connection: 'close' })) head.push(`${name}: ${value}`);
  socket.end(`${head.join('\r\n')}\r\n\r\n${response.body}`);
  return true;
}
