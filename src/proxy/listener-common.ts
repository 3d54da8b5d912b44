// What every HTTP listener of the sidecar does the same way, inbound (mTLS) and egress (plain
// HTTP from the app): binding, answering what Node's HTTP parser refused, and answering a
// handler bug without taking the process down.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import { denialResponse } from '../pipeline/rescue.js';

export function listenOn(server: Server, port: number, address: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

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

/** Answer on a raw socket (no request object exists) with the JSON denial, then close. */
export function writeRawDenial(socket: Socket, reason: ClientErrorReason): { requestId: string; status: number } {
  const requestId = randomUUID();
  const denial = denialResponse(reason, requestId);
  const head = [`HTTP/1.1 ${denial.status} ${STATUS_CODES[denial.status] ?? ''}`, ...Object.entries(denial.headers).map(([name, value]) => `${name}: ${value}`), 'connection: close'];
  socket.end(`${head.join('\r\n')}\r\n\r\n${denial.body}`);
  return { requestId, status: denial.status };
}

/** A bug in a request handler, never peer input: log it, answer 500 if we still can, keep serving. */
export function answerHandlerFailure(log: Logger, listener: string, res: ServerResponse, error: unknown): void {
  log.error({ err: error, listener }, 'request handler failed');
  if (!res.headersSent) {
    res.writeHead(500, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ error: 'internal_error' }));
  } else {
    res.destroy();
  }
}

/**
 * The connections a listener holds, for SIGTERM: stop accepting, close idle keep-alive
 * connections at once, let busy ones finish (their responses carry Connection: close while
 * `draining`), and after the deadline close what is left.
 */
export class Connections {
  private readonly sockets = new Set<Socket>();
  private drainingNow = false;

  constructor(private readonly server: Server & { closeIdleConnections(): void; closeAllConnections(): void }) {}

  get draining(): boolean {
    return this.drainingNow;
  }

  get size(): number {
    return this.sockets.size;
  }

  track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  drain(): void {
    this.drainingNow = true;
    this.server.close();
    this.server.closeIdleConnections();
  }

  closeAll(): void {
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
  }
}

/**
 * The sidecar cut a request for being too slow (Node's requestTimeout, or the body guard): answer
 * 408 request_timeout when nothing was written yet, then close. The rest of the body will never
 * be read, so the connection cannot be reused. `req` is destroyed too: Node detaches a request
 * from its socket when the response ends, so closing the socket alone would leave a reader of
 * the body (a digest, signing) waiting forever. After the response started, only a cut is left.
 */
export function answerRequestTimeout(req: IncomingMessage, res: ServerResponse, socket: Socket, requestId: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const denial = denialResponse('request_timeout', requestId);
  res.shouldKeepAlive = false;
  res.writeHead(denial.status, { ...denial.headers, connection: 'close' });
  res.end(denial.body, () => {
    req.destroy();
    socket.destroy();
  });
}
