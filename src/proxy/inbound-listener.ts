// The inbound listener: mTLS in front of the local app.
//
//   connection → TLS (client cert required, chain verified by OpenSSL/Node) → peer identity,
//   read once per connection → request → evaluate (routing + the ordered chain) → decision →
//   denial response, or forward over the keep-alive pool → telemetry.
//
// Everything a reload can change lives in one ListenerState object that is swapped whole;
// a request reads the state once at its start, so it never sees half of two configs.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Dispatcher, Pool } from 'undici';
import type { InboundConfig } from '../config/schema.js';
import { evaluate } from '../pipeline/evaluate.js';
import { denialResponse } from '../pipeline/rescue.js';
import type { ListenerPolicy, RequestContext } from '../pipeline/types.js';
import type { Recorder, RequestOutcome } from '../telemetry/recorder.js';
import { classifyHandshakeError } from '../tls/handshake-errors.js';
import type { ListenerTlsMaterial } from '../tls/material.js';
import { identityString, readPeer, type PeerInfo } from '../tls/peer-identity.js';
import { downstreamResponseHeaders, requestIdFrom, upstreamRequestHeaders } from './headers.js';
import { classifyUpstreamError } from './upstream.js';
import { formatXfcc } from './xfcc.js';

export interface ListenerState {
  readonly config: InboundConfig;
  readonly policy: ListenerPolicy;
  readonly material: ListenerTlsMaterial;
  readonly pool: Pool;
}

type OutcomeBase = Omit<RequestOutcome, 'status' | 'durationSeconds' | 'reason' | 'decision' | 'findings'>;

export class InboundListener {
  readonly name: string;
  private state: ListenerState;
  private readonly server: Server;
  private readonly peers = new WeakMap<TLSSocket, PeerInfo>();
  /** XFCC depends only on the peer certificate and our own ID: build it once per connection. */
  private readonly xfcc = new WeakMap<PeerInfo, { by: string | undefined; value: string }>();
  private readonly sockets = new Set<TLSSocket>();
  private draining = false;

  constructor(
    state: ListenerState,
    private readonly recorder: Recorder,
    private readonly log: Logger,
  ) {
    this.name = state.config.name;
    this.state = state;
    const { config, material } = state;
    this.server = createServer(
      {
        ...material.contextOptions,
        requestCert: true,
        // Never false: an unverified chain must not reach the app in any mode.
        rejectUnauthorized: true,
        handshakeTimeout: config.tls.handshakeTimeoutMs,
        maxHeaderSize: config.server.maxHeaderBytes,
        requestTimeout: config.server.requestTimeoutMs,
        headersTimeout: config.server.headersTimeoutMs,
        keepAliveTimeout: config.server.keepAliveTimeoutMs,
      },
      (req, res) => this.onRequest(req, res),
    );
    // Runs before the HTTP layer's own listener, so every socket that reaches HTTP has a peer.
    this.server.prependListener('secureConnection', (socket: TLSSocket) => this.onSecureConnection(socket));
    this.server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      const failure = classifyHandshakeError(error, socket);
      this.recorder.handshake(this.name, socket?.getProtocol?.() ?? 'unknown', 'failure', failure.reason, failure.detail);
    });
    this.server.on('clientError', (error: Error & { code?: string }, socket) => this.onClientError(error, socket as TLSSocket));
  }

  listen(): Promise<AddressInfo> {
    const { address, port } = this.state.config;
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, address, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  get currentState(): ListenerState {
    return this.state;
  }

  address(): AddressInfo | undefined {
    return (this.server.address() as AddressInfo | null) ?? undefined;
  }

  /** Swap in a new state (reload). New handshakes use the new certificates at once. */
  update(next: ListenerState): void {
    const previous = this.state;
    if (next.material !== previous.material) {
      this.server.setSecureContext(next.material.contextOptions);
      // New ticket keys: a session resumed from the old trust bundle must verify afresh.
      this.server.setTicketKeys(randomBytes(48));
    }
    this.state = next;
    if (previous.pool !== next.pool) void previous.pool.close().catch(() => undefined);
  }

  /** Stop accepting, close idle keep-alive connections, and close busy ones after their response. */
  drain(): void {
    this.draining = true;
    this.server.close();
    this.server.closeIdleConnections();
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  /** After the drain deadline: close whatever is left. */
  async forceClose(): Promise<void> {
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await this.state.pool.close().catch(() => undefined);
  }

  private onSecureConnection(socket: TLSSocket): void {
    const version = socket.getProtocol() ?? 'unknown';
    const cert = socket.authorized ? socket.getPeerX509Certificate() : undefined;
    if (!cert) {
      // Unreachable with rejectUnauthorized, kept so a future option can never fail open.
      this.recorder.handshake(this.name, version, 'failure', 'no_client_cert', 'no verified peer certificate');
      socket.destroy();
      return;
    }
    this.peers.set(socket, readPeer(cert, this.state.config.identity.sources));
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    this.recorder.handshake(this.name, version, 'success', 'none');
  }

  private xfccFor(peer: PeerInfo, by: string | undefined): string {
    const cached = this.xfcc.get(peer);
    if (cached && cached.by === by) return cached.value;
    const value = formatXfcc(peer, by);
    this.xfcc.set(peer, { by, value });
    return value;
  }

  private onClientError(error: Error & { code?: string }, socket: TLSSocket): void {
    // Malformed HTTP from a verified peer: a 400 with a reason code, then close.
    if (socket.writable && !(error.code === 'ECONNRESET')) {
      const denial = denialResponse('malformed_request', randomUUID());
      const head = `HTTP/1.1 ${denial.status} Bad Request\r\n${Object.entries(denial.headers)
        .map(([name, value]) => `${name}: ${value}`)
        .join('\r\n')}\r\nconnection: close\r\n\r\n`;
      socket.end(head + denial.body);
    } else {
      socket.destroy();
    }
    this.log.info({ type: 'client_error', listener: this.name, code: error.code, peer: identityString(this.peers.get(socket)) ?? null }, 'malformed request');
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.handle(req, res).catch((error: unknown) => {
      // A bug, never peer input: log it, answer 500 if we still can, keep serving.
      this.log.error({ err: error, listener: this.name }, 'request handler failed');
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ error: 'internal_error' }));
      } else {
        res.destroy();
      }
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const state = this.state;
    const socket = req.socket as TLSSocket;
    const peer = this.peers.get(socket);
    if (!peer) {
      res.destroy();
      return;
    }
    const requestId = requestIdFrom(req.headers['x-request-id']) ?? randomUUID();
    if (this.draining) res.shouldKeepAlive = false;
    const context: RequestContext = {
      requestId,
      listener: this.name,
      method: req.method ?? 'GET',
      target: req.url ?? '/',
      headers: req.headers,
      peer,
    };
    const { decision, route, forwardPath } = await evaluate(state.policy, context);
    const base: OutcomeBase = {
      requestId,
      listener: this.name,
      route: route ?? 'unmatched',
      method: context.method,
      path: forwardPath ? forwardPath.split('?')[0] ?? '/' : '-',
      peer: identityString(peer),
    };
    const finish = (status: number, extra: Partial<RequestOutcome> = {}) =>
      this.recorder.request({
        ...base,
        decision: decision.kind,
        reason: decision.reason,
        findings: decision.findings,
        status,
        durationSeconds: (performance.now() - started) / 1000,
        ...extra,
      });

    if (decision.kind === 'deny' || forwardPath === undefined) {
      const denial = denialResponse(decision.reason === 'none' ? 'path_not_normalized' : decision.reason, requestId);
      if (this.draining) res.shouldKeepAlive = false;
      res.writeHead(denial.status, denial.headers);
      res.end(denial.body);
      finish(denial.status);
      return;
    }

    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const upstreamStarted = performance.now();
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    let response: Dispatcher.ResponseData;
    try {
      response = await state.pool.request({
        method: context.method as Dispatcher.HttpMethod,
        path: forwardPath,
        headers: upstreamRequestHeaders(req.rawHeaders, req.headers.connection, {
          'x-forwarded-client-cert': this.xfccFor(peer, state.material.serverUri),
          'x-forwarded-proto': 'https',
          'x-request-id': requestId,
        }),
        body: hasBody ? req : null,
        signal: controller.signal,
      });
    } catch (error) {
      const failure = classifyUpstreamError(error);
      const upstreamSeconds = (performance.now() - upstreamStarted) / 1000;
      if (failure === 'client_disconnected') {
        finish(499, { reason: 'client_disconnected', upstreamSeconds, aborted: 'client closed the connection before the response' });
        return;
      }
      const denial = denialResponse(failure, requestId);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(denial.status, { ...denial.headers, connection: 'close' });
        res.end(denial.body);
      }
      finish(denial.status, { reason: failure, upstreamSeconds });
      return;
    }

    // A drain that began while this request was in flight still ends the connection after it.
    if (this.draining) res.shouldKeepAlive = false;
    res.writeHead(response.statusCode, downstreamResponseHeaders(response.headers));
    let aborted: string | undefined;
    try {
      await pipeline(response.body, res);
    } catch (error) {
      // Upstream reset mid-response, or the peer went away: the client connection is closed
      // (a truncated response must not look complete), the sidecar keeps serving.
      aborted = controller.signal.aborted ? 'client closed the connection during the response' : `upstream failed during the response: ${(error as { code?: string }).code ?? 'error'}`;
      res.destroy();
    }
    const upstreamSeconds = (performance.now() - upstreamStarted) / 1000;
    finish(response.statusCode, {
      upstreamSeconds,
      ...(aborted ? { aborted, reason: controller.signal.aborted ? 'client_disconnected' : 'upstream_unavailable' } : {}),
    });
  }
}
