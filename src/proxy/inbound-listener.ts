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
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Dispatcher, Pool } from 'undici';
import type { InboundConfig } from '../config/schema.js';
import { evaluate } from '../pipeline/evaluate.js';
import { denialResponse } from '../pipeline/rescue.js';
import { RequestFacts } from '../pipeline/facts.js';
import type { ListenerPolicy, RequestContext } from '../pipeline/types.js';
import type { TokenRuntime } from '../tokens/runtime.js';
import type { SignatureRuntime } from '../pipeline/signature-runtime.js';
import { RequestBody } from './body-reader.js';
import type { Recorder, RequestOutcome } from '../telemetry/recorder.js';
import { classifyHandshakeError } from '../tls/handshake-errors.js';
import type { ListenerTlsMaterial } from '../tls/material.js';
import { PeerCertFactsCache } from '../tls/peer-certificate.js';
import { identityString, readPeer, type PeerInfo } from '../tls/peer-identity.js';
import { downstreamResponseHeaders, requestIdFrom, upstreamRequestHeaders } from './headers.js';
import { Connections, answerHandlerFailure, clientErrorReason, listenOn, writeRawDenial } from './listener-common.js';
import { classifyUpstreamError } from './upstream.js';
import { formatXfcc } from './xfcc.js';
import { sendCopy } from './drill-copy.js';
import type { InPathDrills } from '../drills/in-path.js';

export interface ListenerState {
  readonly config: InboundConfig;
  readonly policy: ListenerPolicy;
  readonly material: ListenerTlsMaterial;
  readonly pool: Pool;
  /** The listener's token policy, when it has a `tokens` section. */
  readonly tokens?: TokenRuntime;
  /** The listener's signature policy, when it has a `signatures` section (issue 5). */
  readonly signatures?: SignatureRuntime;
  /** In-path drills (staging only), when the listener has `drills`. */
  readonly drills?: InPathDrills;
}

type OutcomeBase = Omit<RequestOutcome, 'status' | 'durationSeconds' | 'reason' | 'decision' | 'findings'>;

export class InboundListener {
  readonly name: string;
  private state: ListenerState;
  private readonly server: Server;
  private readonly connections: Connections;
  private readonly peers = new WeakMap<TLSSocket, PeerInfo>();
  /** Certificate analysis (key, signature, EKU...) by SHA-256: once per certificate, not per connection. */
  private readonly certFacts = new PeerCertFactsCache();
  /** XFCC depends only on the peer certificate and our own ID: build it once per connection. */
  private readonly xfcc = new WeakMap<PeerInfo, { by: string | undefined; value: string }>();
  /** Sockets with a request being handled: a parse error there is the peer leaving mid-body. */
  private readonly busy = new WeakSet<TLSSocket>();

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
        // How often Node enforces headersTimeout/requestTimeout; its default (30 s) would let a
        // slow peer hold a connection far past the configured limit.
        connectionsCheckingInterval: 1_000,
      },
      (req, res) => this.onRequest(req, res),
    );
    this.connections = new Connections(this.server);
    // Runs before the HTTP layer's own listener, so every socket that reaches HTTP has a peer.
    this.server.prependListener('secureConnection', (socket: TLSSocket) => this.onSecureConnection(socket));
    this.server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      const failure = classifyHandshakeError(error, socket);
      this.recorder.handshake(this.name, socket?.getProtocol?.() ?? 'unknown', 'failure', failure.reason, failure.detail);
    });
    this.server.on('clientError', (error: Error & { code?: string }, socket) => this.onClientError(error, socket as TLSSocket));
  }

  listen(): Promise<AddressInfo> {
    return listenOn(this.server, this.state.config.port, this.state.config.address);
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
    this.connections.drain();
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** After the drain deadline: close whatever is left. */
  async forceClose(): Promise<void> {
    this.connections.closeAll();
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
    const peer = readPeer(cert, this.state.config.identity.sources, this.certFacts);
    this.peers.set(socket, peer);
    this.connections.track(socket);
    this.recorder.handshake(this.name, version, 'success', 'none');
    this.recorder.peerCertificate(this.name, this.state.policy, peer);
  }

  private xfccFor(peer: PeerInfo, by: string | undefined): string {
    const cached = this.xfcc.get(peer);
    if (cached && cached.by === by) return cached.value;
    const value = formatXfcc(peer, by);
    this.xfcc.set(peer, { by, value });
    return value;
  }

  /**
   * Node's HTTP parser refused what a verified peer sent, or the peer was too slow. Parse errors
   * (HPE_*) get 400 malformed_request and slow requests 408 request_timeout, each counted and
   * logged like any denial. Anything else, or an error on a socket whose request is being
   * handled (the peer left mid-body, or we cut it off after an upstream reset), closes the
   * socket quietly: that request is logged as what it was.
   */
  private onClientError(error: Error & { code?: string }, socket: TLSSocket): void {
    const reason = clientErrorReason(error.code, this.busy.has(socket));
    if (!reason || !socket.writable) {
      socket.destroy();
      return;
    }
    const { requestId, status } = writeRawDenial(socket, reason);
    this.recorder.request({
      requestId,
      listener: this.name,
      route: 'unmatched',
      method: '-',
      path: '-',
      peer: identityString(this.peers.get(socket)),
      decision: 'deny',
      reason,
      findings: [{ check: 'http', reason, severity: 'deny', detail: error.code }],
      status,
      durationSeconds: 0,
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.handle(req, res).catch((error: unknown) => answerHandlerFailure(this.log, this.name, res, error));
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
    this.busy.add(socket);
    if (this.connections.draining) res.shouldKeepAlive = false;
    // Only listeners with signatures may buffer a body (routes that need its digest).
    const requestBody = state.signatures ? new RequestBody(req) : undefined;
    const context: RequestContext = {
      requestId,
      listener: this.name,
      method: req.method ?? 'GET',
      target: req.url ?? '/',
      headers: req.headers,
      peer,
      peerPolicy: state.material.peerPolicy,
      ...(state.tokens ? { tokens: state.tokens } : {}),
      facts: new RequestFacts(),
      ...(requestBody ? { signatures: state.signatures, rawHeaders: req.rawHeaders, body: requestBody.read } : {}),
    };
    const { decision, route, forwardPath } = await evaluate(state.policy, context);
    const base: OutcomeBase = {
      requestId,
      listener: this.name,
      route: route ?? 'unmatched',
      method: context.method,
      path: forwardPath ? forwardPath.split('?')[0] ?? '/' : '-',
      peer: identityString(peer),
      facts: context.facts,
    };
    const finish = (status: number, extra: Partial<RequestOutcome> = {}) => {
      this.busy.delete(socket);
      this.recorder.request({
        ...base,
        decision: decision.kind,
        reason: decision.reason,
        findings: decision.findings,
        status,
        durationSeconds: (performance.now() - started) / 1000,
        ...extra,
      });
    };

    if (decision.kind === 'deny' || forwardPath === undefined) {
      const decisive = decision.findings.find((finding) => finding.severity === 'deny' && finding.reason === decision.reason);
      const denial = denialResponse(decision.reason === 'none' ? 'path_not_normalized' : decision.reason, requestId, decisive);
      if (this.connections.draining) res.shouldKeepAlive = false;
      res.writeHead(denial.status, denial.headers);
      res.end(denial.body);
      finish(denial.status);
      return;
    }

    const upstreamStarted = performance.now();
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    // 0 until the app's response headers arrive; after that a failure cuts the response off.
    let status = 0;
    // The peer going away before the app answers cancels the upstream request. After the
    // headers, undici watches `res` itself (and an upstream reset destroys `res`, which must not
    // read as the peer leaving).
    const controller = new AbortController();
    res.once('close', () => {
      if (status === 0 && !res.writableFinished) controller.abort();
    });
    let forwardedHeaders: string[] = [];
    try {
      // stream() writes the app's body straight into `res`: no intermediate Readable and no
      // stream.pipeline per request (measured at about half the sidecar's CPU per request).
      await state.pool.stream(
        {
          method: context.method as Dispatcher.HttpMethod,
          path: forwardPath,
          headers: (forwardedHeaders = upstreamRequestHeaders(req.rawHeaders, req.headers.connection, {
            'x-forwarded-client-cert': this.xfccFor(peer, state.material.serverUri),
            'x-forwarded-proto': 'https',
            'x-request-id': requestId,
          })),
          // A check that read the body (to check its digest) holds it: forward exactly those bytes.
          body: requestBody?.bytes ?? (hasBody ? req : null),
          signal: controller.signal,
        },
        ({ statusCode, headers }) => {
          status = statusCode;
          // A drain that began while this request was in flight still ends the connection after it.
          if (this.connections.draining) res.shouldKeepAlive = false;
          res.writeHead(statusCode, downstreamResponseHeaders(headers));
          return res;
        },
      );
    } catch (error) {
      const upstreamSeconds = (performance.now() - upstreamStarted) / 1000;
      // When the app breaks mid-response undici destroys `res` with the real cause and rejects
      // with a generic premature close; `res.errored` tells the two apart.
      const failure = classifyUpstreamError((res as { errored?: unknown }).errored ?? error);
      const clientGone = failure === 'client_disconnected';
      if (status !== 0) {
        // Upstream reset mid-response, or the peer went away: the client connection is closed
        // (a truncated response must not look complete), the sidecar keeps serving.
        res.destroy();
        finish(status, {
          upstreamSeconds,
          reason: clientGone ? 'client_disconnected' : 'upstream_unavailable',
          aborted: clientGone ? 'client closed the connection during the response' : `upstream failed during the response: ${(error as { code?: string }).code ?? 'error'}`,
        });
        return;
      }
      if (clientGone) {
        finish(499, { reason: 'client_disconnected', upstreamSeconds, aborted: 'client closed the connection before the response' });
        return;
      }
      const denial = denialResponse(failure as Exclude<typeof failure, 'client_disconnected'>, requestId);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(denial.status, { ...denial.headers, connection: 'close' });
        res.end(denial.body);
      }
      finish(denial.status, { reason: failure, upstreamSeconds });
      return;
    }
    finish(status, { upstreamSeconds: (performance.now() - upstreamStarted) / 1000 });
    // Staging in-path drills: forged copies go to the app only after the caller has its response.
    state.drills?.afterForward(
      { route: base.route, target: this.name, method: context.method, path: forwardPath, headers: forwardedHeaders, body: requestBody?.bytes ?? (hasBody ? 'streamed' : null), status },
      (copy, timeoutMs) => sendCopy(state.pool, copy, timeoutMs),
    );
  }
}
