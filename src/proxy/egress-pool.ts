// One keep-alive undici Pool per egress upstream, whose every connection is mTLS originated by
// the sidecar and verified before undici may write to it: chain against the upstream trust
// bundle (rejectUnauthorized), then the pinned identity (checkServerIdentity, see
// tls/upstream-verify.ts). Each connection attempt is reported once, success or failure, so the
// listener can count it; failures also reach the waiting request as its error.
import type { TLSSocket } from 'node:tls';
import type { buildConnector as UndiciConnector } from 'undici';
import { Pool, buildConnector } from './undici-pool.js';
import type { EgressUpstreamConfig } from '../config/schema.js';
import type { ReasonCode } from '../core/reasons.js';
import type { UpstreamTlsMaterial } from '../tls/upstream-material.js';
import { PeerCertFactsCache, sentIssuerCertificates } from '../tls/peer-certificate.js';
import { compileUpstreamCertPolicy, upstreamCheck } from '../tls/upstream-verify.js';

/** Certificate analyses shared by every egress pool: upstream certificates repeat across connections. */
const UPSTREAM_CERT_FACTS = new PeerCertFactsCache(1024);
import { classifyUpstreamError, errorDetail } from './upstream.js';
import type { ForwardFailure } from './forward.js';

export interface ConnectReport {
  readonly version: string;
  readonly result: 'success' | 'failure';
  readonly reason: ReasonCode | 'none';
  readonly detail?: string;
}

export function createEgressPool(config: EgressUpstreamConfig, material: UpstreamTlsMaterial, onConnect: (report: ConnectReport) => void): Pool {
  const connector = buildConnector({
    ...material.connectOptions,
    checkServerIdentity: upstreamCheck(config.identity, compileUpstreamCertPolicy(config.tls.peer), UPSTREAM_CERT_FACTS),
    timeout: config.connectTimeoutMs,
    // No TLS session resumption: Node skips checkServerIdentity on a resumed session, and every
    // connection should prove the pinned identity afresh. Keep-alive makes this cheap.
    maxCachedSessions: 0,
  } as UndiciConnector.BuildOptions);
  const connect: UndiciConnector.connector = (options, callback) => {
    connector(options, (error, socket) => {
      if (error) {
        const failure = classifyEgressError(error);
        onConnect({ version: 'unknown', result: 'failure', reason: failure.reason === 'client_disconnected' ? 'upstream_unavailable' : failure.reason, detail: failure.detail });
        callback(error, null);
        return;
      }
      onConnect({ version: (socket as TLSSocket).getProtocol?.() ?? 'unknown', result: 'success', reason: 'none' });
      retireAtExpiry(socket as TLSSocket);
      callback(null, socket as NonNullable<typeof socket>);
    });
  };
  return new Pool(new URL(config.url).origin, {
    connect,
    connections: config.connections,
    headersTimeout: config.headersTimeoutMs,
    bodyTimeout: config.bodyTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    pipelining: 1,
  });
}

/** setTimeout's longest delay (about 24.8 days); a later expiry re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The earliest notAfter (ms) of the upstream's certificate and the intermediates it sent. */
function chainNotAfter(socket: TLSSocket): number | undefined {
  const leaf = socket.getPeerX509Certificate?.();
  if (!leaf) return undefined;
  return Math.min(...[leaf, ...sentIssuerCertificates(leaf)].map((cert) => Date.parse(cert.validTo)));
}

/**
 * OpenSSL checks the upstream's certificate dates at the handshake only, and a pooled keep-alive
 * connection can outlive them: it is closed when the first of them passes, so the next request
 * makes a new connection, whose handshake refuses the expired certificate. (The trust anchors
 * are the sidecar's own, watched by palisade_certificate_expiry_timestamp_seconds.)
 */
function retireAtExpiry(socket: TLSSocket): void {
  const notAfter = chainNotAfter(socket);
  if (notAfter === undefined || Number.isNaN(notAfter)) return;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const wait = notAfter - Date.now();
    if (wait <= 0) {
      socket.destroy();
      return;
    }
    timer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS)).unref();
  };
  arm();
  socket.once('close', () => clearTimeout(timer));
}

/** Same settings and material: a reload that leaves the upstream alone keeps its warm connections. */
export function sameEgressUpstream(a: { config: EgressUpstreamConfig; material: UpstreamTlsMaterial }, b: { config: EgressUpstreamConfig; material: UpstreamTlsMaterial }): boolean {
  const files = (m: UpstreamTlsMaterial) => [m.connectOptions.cert, m.connectOptions.key, m.connectOptions.ca].map((value) => String(value)).join('\0');
  return JSON.stringify(a.config) === JSON.stringify(b.config) && files(a.material) === files(b.material);
}


/** Failures that mean the sidecar refused the upstream (decided deny), not that the upstream failed (the request was allowed). */
const REFUSALS: ReadonlySet<ReasonCode | 'client_disconnected'> = new Set(['upstream_identity_mismatch', 'upstream_cert_invalid', 'upstream_tls_failed', 'token_unavailable']);

export function isUpstreamRefusal(reason: ReasonCode | 'client_disconnected'): boolean {
  return REFUSALS.has(reason);
}

/** OpenSSL verify results (error.code on a rejected chain): the upstream's certificate is not trusted. */
const CHAIN_ERROR = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED|HOSTNAME_MISMATCH|ERR_TLS_CERT_ALTNAME_INVALID)/;

/** The refusals of an mTLS upstream first (chain, pinned identity, certificate policy, TLS, token), then what every upstream shares. */
export function classifyEgressError(error: unknown): ForwardFailure {
  const code = (error as { code?: unknown } | undefined)?.code;
  const detail = errorDetail(error);
  // Egress tokens: the upstream refused the token and no replacement could be had.
  if (code === 'ERR_PALISADE_TOKEN_UNAVAILABLE') return { reason: 'token_unavailable', detail: `${(error as Error).message}` };
  if (code === 'ERR_PALISADE_UPSTREAM_IDENTITY') return { reason: 'upstream_identity_mismatch', detail: `${(error as Error).message}` };
  if (code === 'ERR_PALISADE_UPSTREAM_CERT_POLICY') return { reason: 'upstream_cert_invalid', detail: `${(error as Error).message}` };
  if (typeof code === 'string' && CHAIN_ERROR.test(code)) return { reason: 'upstream_cert_invalid', detail };
  if (typeof code === 'string' && (code.startsWith('ERR_SSL_') || code === 'ERR_TLS_HANDSHAKE_TIMEOUT' || code === 'EPROTO')) return { reason: 'upstream_tls_failed', detail };
  return { reason: classifyUpstreamError(error), detail };
}
