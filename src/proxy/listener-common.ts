// What every HTTP listener of the sidecar does the same way, inbound (mTLS) and egress (plain
// HTTP from the app): answering what Node's HTTP parser refused, and answering a handler bug
// without taking the process down. (Binding is core/listen.ts, shared with the admin and broker.)
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import { denialResponse } from '../pipeline/rescue.js';
import type { Finding } from '../core/findings.js';
import type { ClientSockets, Exchange } from './forward.js';
import { respond } from './respond.js';

export type ClientErrorReason = 'malformed_request' | 'request_timeout';

/**
 * The reason for an error Node's HTTP server raised on a connection, or undefined when it is a
 * connection going away rather than bad input. `busy`: a request on this socket is being
 * handled, so a parse error there is the peer leaving mid-body (already logged as that request).
 */
export function clientErrorReason(code: string | undefined, busy: boolean): ClientErrorReason | undefined {
  if (busy || !code) return undefined;
  // HPE_INVALID_EOF_STATE: the connection ended mid-message, which is the peer leaving.
  if (code.startsWith('HPE_') && code !== 'HPE_INVALID_EOF_STATE') return 'malformed_request';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout';
  return undefined;
}

/** A request the sidecar is handling on a socket, cut with 408 when Node's requestTimeout fires on it. */
export type Cutter = (detail: string) => void;

/**
 * Node's HTTP server raised `error` on a connection. Node's requestTimeout on a request being
 * handled is answered through that request (`cut`). Parse errors (HPE_*) get 400
 * malformed_request and slow header blocks 408 request_timeout, as the JSON denial on the bare
 * socket (there is no request object), returned for the listener to record. Anything else, or
 * an error on a busy socket (the peer left mid-body, or we cut it off after an upstream reset),
 * closes the socket quietly: that request is recorded as what it was.
 */
export function answerClientError(
  error: Error & { code?: string },
  socket: Socket,
  busy: boolean,
  cut: Cutter | undefined,
  requestTimeoutMs: number,
): { requestId: string; status: number; finding: Finding } | undefined {
  if (cut && error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    cut(`whole request not received within server.requestTimeoutMs (${requestTimeoutMs} ms)`);
    return undefined;
  }
  const reason = clientErrorReason(error.code, busy);
  if (!reason || !socket.writable) {
    socket.destroy();
    return undefined;
  }
  const requestId = randomUUID();
  const denial = denialResponse(reason, requestId);
  respond({ socket }, 'parser_error', denial);
  return { requestId, status: denial.status, finding: { check: 'http', reason, severity: 'deny', ...(error.code ? { detail: error.code } : {}) } };
}

/**
 * A bug in a request handler, never peer input: log it with the request's id, answer 500
 * internal_error carrying that id if we still can (else cut the response), keep serving.
 */
export function answerHandlerFailure(log: Logger, listener: string, req: IncomingMessage, res: ServerResponse, requestId: string, error: unknown): void {
  log.error({ err: error, listener, request_id: requestId }, 'request handler failed');
  respond({ req, res, draining: false }, 'handler_failure', denialResponse('internal_error', requestId));
}

/**
 * The connections a listener holds, for SIGTERM: stop accepting, close idle keep-alive
 * connections at once, let busy ones finish (their responses carry Connection: close while
 * `draining`), and after the deadline close what is left. Also the one 'close' listener per
 * socket that tells the requests being forwarded on it that the peer left (forward.ts).
 */
export class Connections implements ClientSockets {
  /** Each socket with the exchanges being forwarded on it (more than one only when the peer pipelines). */
  private readonly sockets = new Map<Socket, Set<Exchange>>();
  private drainingNow = false;

  constructor(private readonly server: Server & { closeIdleConnections(): void; closeAllConnections(): void }) {}

  get draining(): boolean {
    return this.drainingNow;
  }

  get size(): number {
    return this.sockets.size;
  }

  track(socket: Socket): void {
    const forwarding = new Set<Exchange>();
    this.sockets.set(socket, forwarding);
    socket.once('close', () => {
      this.sockets.delete(socket);
      for (const exchange of forwarding) exchange.cancel();
      forwarding.clear();
    });
  }

  watch(socket: Socket, exchange: Exchange): void {
    if (socket.destroyed) {
      exchange.cancel();
      return;
    }
    if (!this.sockets.has(socket)) this.track(socket);
    this.sockets.get(socket)?.add(exchange);
  }

  unwatch(socket: Socket, exchange: Exchange): void {
    this.sockets.get(socket)?.delete(exchange);
  }

  drain(): void {
    this.drainingNow = true;
    this.server.close();
    this.server.closeIdleConnections();
  }

  closeAll(): void {
    this.server.closeAllConnections();
    for (const socket of this.sockets.keys()) socket.destroy();
  }
}

/**
 * The sidecar cut a request for being too slow (Node's requestTimeout, or the body guard): 408
 * request_timeout when nothing was written yet, then close (respond.ts says why).
 */
export function answerRequestTimeout(req: IncomingMessage, res: ServerResponse, requestId: string): void {
  respond({ req, res, draining: false }, 'timeout', denialResponse('request_timeout', requestId));
}
