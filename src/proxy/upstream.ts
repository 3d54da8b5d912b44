// The keep-alive connection pool to the local app, and the mapping of its failures to reason
// codes (the common part; egress-pool.ts adds the refusals of an mTLS upstream). The upstream
// request is closed when the peer goes away (forward.ts), which http-proxy never did.
import { Pool } from './undici-pool.js';
import type { UpstreamConfig } from '../config/schema.js';
import type { ReasonCode } from '../core/reasons.js';
import type { ForwardFailure } from './forward.js';

export function createUpstreamPool(config: UpstreamConfig): Pool {
  return new Pool(new URL(config.url).origin, {
    connections: config.connections,
    connect: { timeout: config.connectTimeoutMs },
    headersTimeout: config.headersTimeoutMs,
    bodyTimeout: config.bodyTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    pipelining: 1,
  });
}

/** Same settings, same pool: a reload that leaves the upstream alone keeps its warm connections. */
export function sameUpstream(a: UpstreamConfig, b: UpstreamConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export type UpstreamFailure = ReasonCode | 'client_disconnected';

export function classifyUpstreamError(error: unknown): UpstreamFailure {
  const code = (error as { code?: string; name?: string } | undefined)?.code;
  const name = (error as { name?: string } | undefined)?.name;
  // Our signal fired, or the peer's response stream closed before it finished: the peer went away.
  if (name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR' || code === 'ERR_STREAM_PREMATURE_CLOSE') return 'client_disconnected';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'upstream_timeout';
  if (code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') return 'malformed_request';
  return 'upstream_unavailable';
}

/** The error's code (or its name) for the audit log: never its message, which may quote peer input. */
export function errorDetail(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : ((error as { name?: string } | undefined)?.name ?? 'error');
}

/** A failure talking to the local app, for the forwarder. */
export function classifyAppError(error: unknown): ForwardFailure {
  return { reason: classifyUpstreamError(error), detail: errorDetail(error) };
}
