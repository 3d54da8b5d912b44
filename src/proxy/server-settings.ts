// `server.*` (and the handshake timeout) applied to a running Node server, so a reload takes
// effect for new connections. Node reads each of these per connection or per check from the
// server object, not only from the options given at creation.
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';

export interface ServerSettings {
  readonly keepAliveTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxHeaderBytes: number;
}

/** Options for http(s).createServer. */
export function serverOptions(server: ServerSettings) {
  return {
    maxHeaderSize: server.maxHeaderBytes,
    // A missing Host is refused by header-hygiene.ts like the other Host problems: recorded, with a reason code.
    requireHostHeader: false,
    requestTimeout: server.requestTimeoutMs,
    headersTimeout: server.headersTimeoutMs,
    keepAliveTimeout: server.keepAliveTimeoutMs,
    // How often Node enforces headersTimeout/requestTimeout; its default (30 s) would let a
    // slow peer hold a connection far past the configured limit.
    connectionsCheckingInterval: 1_000,
  };
}

/** Set on a running server: Node checks headersTimeout <= requestTimeout only at creation, the schema always. */
export function applyServerSettings(target: HttpServer | HttpsServer, server: ServerSettings): void {
  target.keepAliveTimeout = server.keepAliveTimeoutMs;
  target.headersTimeout = server.headersTimeoutMs;
  target.requestTimeout = server.requestTimeoutMs;
  // Read by the HTTP parser of each new connection.
  (target as { maxHeaderSize?: number }).maxHeaderSize = server.maxHeaderBytes;
}

/**
 * tls.Server keeps its handshake timeout under an internal symbol and offers no setter.
 * Returns false when this Node has none, so the caller can refuse the reload instead of
 * pretending it applied.
 */
export function setHandshakeTimeout(target: HttpsServer, timeoutMs: number): boolean {
  const symbol = Object.getOwnPropertySymbols(target).find((candidate) => candidate.description === 'handshake-timeout');
  if (!symbol) return false;
  (target as unknown as Record<symbol, number>)[symbol] = timeoutMs;
  return true;
}
