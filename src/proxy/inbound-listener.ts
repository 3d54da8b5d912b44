// The inbound listener: mTLS in front of the local app.
//
//   connection → TLS (client cert required, chain verified by OpenSSL/Node) → peer identity,
//   read once per connection → request → evaluate (routing + the ordered chain) → decision →
//   denial response (respond.ts), or forward.ts over the keep-alive pool → telemetry (outcome.ts).
//
// Everything a reload can change lives in one ListenerState object that is swapped whole;
// a request reads the state once at its start, so it never sees half of two configs.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { decide } from '../pipeline/decision.js';
import { evaluate } from '../pipeline/evaluate.js';
import { denialResponse } from '../pipeline/rescue.js';
import { RequestFacts } from '../checks/facts.js';
import type { RequestContext } from '../checks/types.js';
import { RequestBody } from './body-reader.js';
import type { Recorder } from '../telemetry/recorder.js';
import { classifyHandshakeError, refusedHandshakeVersion, socketVersion } from '../tls/handshake-errors.js';
import { HandshakeObserver } from '../tls/handshake-observer.js';
import { analyzePeerCertificate, PeerCertFactsCache, sentIssuers } from '../tls/peer-certificate.js';
import { identityString, type PeerInfo } from '../tls/peer-identity.js';
import { PeerInfoCache } from '../tls/peer-cache.js';
import { requestIdFrom, upstreamRequestHeaders } from './headers.js';
import { forwardable, forwardedHeaders, inboundHeaderPolicy, refusedEvaluation, screenRequestHeaders } from './header-hygiene.js';
import { Connections, answerClientError, answerHandlerFailure, answerRequestTimeout, type Cutter } from './listener-common.js';
import { listenOn } from '../core/listen.js';
import { classifyAppError } from './upstream.js';
import { Exchange } from './forward.js';
import { recordRequest, type OutcomeBase, type OutcomeExtra } from './outcome.js';
import { respond } from './respond.js';
import { formatXfcc } from './xfcc.js';
import { BodyGuard } from './body-guard.js';
import { ConnectionLimits } from './connection-limits.js';
import { applyServerSettings, serverOptions, setHandshakeTimeout } from './server-settings.js';
import { sendCopy } from './drill-copy.js';
import type { ListenerState } from './listener-state.js';

export class InboundListener {
  readonly name: string;
  private state: ListenerState;
  private readonly server: Server;
  private readonly connections: Connections;
  private readonly peers = new WeakMap<TLSSocket, PeerInfo>();
  /** Certificate analysis (key, signature, EKU...) by SHA-256: once per certificate, not per connection. */
  private readonly certFacts = new PeerCertFactsCache();
  /** The whole peer (identity, SANs, facts) by certificate and chain: once per certificate, not per connection. */
  private readonly peerCache = new PeerInfoCache(this.certFacts);
  /** The version and certificate of each handshake, still readable when Node refuses it. */
  private readonly handshakes = new HandshakeObserver();
  /** XFCC depends only on the peer certificate and our own ID: built once per PeerInfo, i.e. per certificate. */
  private readonly xfcc = new WeakMap<PeerInfo, { by: string | undefined; value: string }>();
  /** Sockets with a request being handled: a parse error there is the peer leaving mid-body. */
  private readonly busy = new WeakSet<TLSSocket>();
  private readonly limits: ConnectionLimits;
  private readonly bodyGuard = new BodyGuard();
  /** The request in progress on a socket, cut with 408 when Node's requestTimeout fires on it. */
  private readonly cutters = new WeakMap<TLSSocket, Cutter>();

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
        ...serverOptions(config.server),
      },
      (req, res) => this.onRequest(req, res),
    );
    // Node's own header count limit drops the excess silently; header-hygiene.ts refuses above
    // server.maxHeaderCount instead (maxHeaderSize bounds the memory).
    this.server.maxHeadersCount = 0;
    this.connections = new Connections(this.server);
    this.limits = new ConnectionLimits(this.server, config.server, {
      opened: () => this.recorder.connectionOpened(this.name),
      closed: () => this.recorder.connectionClosed(this.name),
      refused: (reason) => this.recorder.connectionRefused(this.name, reason),
    });
    // Runs before the HTTP layer's own listener, so every socket that reaches HTTP has a peer.
    this.server.prependListener('secureConnection', (socket: TLSSocket) => this.onSecureConnection(socket));
    this.handshakes.attach(this.server);
    this.server.on('tlsClientError', (error: Error, socket: TLSSocket) => this.onHandshakeRefused(error, socket));
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
    // server.* for connections accepted from now on; open ones keep the limits they started with.
    applyServerSettings(this.server, next.config.server);
    setHandshakeTimeout(this.server, next.config.tls.handshakeTimeoutMs);
    this.limits.update(next.config.server);
    this.state = next;
    if (previous.pool !== next.pool) void previous.pool.close().catch(() => undefined);
  }

  /** Whether update() can apply a change of tls.handshakeTimeoutMs on this Node (reload refuses it otherwise). */
  get canSetHandshakeTimeout(): boolean {
    return setHandshakeTimeout(this.server, this.state.config.tls.handshakeTimeoutMs);
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
    this.bodyGuard.close();
    this.connections.closeAll();
    await this.state.pool.close().catch(() => undefined);
  }

  /**
   * A refused handshake, named from what it showed: the negotiated version and the peer's
   * certificate when the handshake got that far (see handshake-observer.ts), else OpenSSL's
   * codes and, where OpenSSL got that far, the version it read from the ClientHello.
   */
  private onHandshakeRefused(error: Error, socket: TLSSocket | undefined): void {
    const observed = this.handshakes.get(socket);
    let leaf;
    if (observed?.certificate) {
      try {
        // Not through the facts cache: anyone can send a refused certificate, and a flood of them
        // must not evict the analyses of the workloads that do get in.
        leaf = { facts: analyzePeerCertificate(observed.certificate), policy: this.state.material.peerPolicy, issuers: sentIssuers(observed.certificate) };
      } catch {
        // A certificate nothing can read: OpenSSL's code alone names the refusal.
      }
    }
    const failure = classifyHandshakeError(error, socket?.authorizationError, leaf);
    this.recorder.handshake(this.name, refusedHandshakeVersion(error, observed?.version, socketVersion(socket)), 'failure', failure.reason, failure.detail);
  }

  private onSecureConnection(socket: TLSSocket): void {
    const version = socket.getProtocol() ?? 'unknown';
    // The observer already read the certificate at the 'secure' stage; do not pay for it twice.
    const cert = socket.authorized ? (this.handshakes.get(socket)?.certificate ?? socket.getPeerX509Certificate()) : undefined;
    if (!cert) {
      // Unreachable with rejectUnauthorized, kept so a future option can never fail open.
      this.recorder.handshake(this.name, version, 'failure', 'no_client_cert', 'no verified peer certificate');
      socket.destroy();
      return;
    }
    const peer = this.peerCache.read(cert, this.state.config.identity.sources, this.state.material.anchorCertificates);
    if (!this.limits.admitIdentity(socket, identityString(peer) ?? '')) {
      socket.destroy();
      return;
    }
    // TLS 1.2 client-initiated renegotiation buys a peer nothing here (the certificate was
    // verified once) and costs the sidecar a full handshake per request: refuse it.
    socket.disableRenegotiation();
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

  /** What Node's HTTP server raised on a connection (listener-common.ts), recorded like any denial. */
  private onClientError(error: Error & { code?: string }, socket: TLSSocket): void {
    const answered = answerClientError(error, socket, this.busy.has(socket), this.cutters.get(socket), this.state.config.server.requestTimeoutMs);
    if (!answered) return;
    const base: OutcomeBase = { requestId: answered.requestId, listener: this.name, route: 'unmatched', method: '-', path: '-', peer: identityString(this.peers.get(socket)) };
    recordRequest(this.recorder, base, performance.now(), decide([answered.finding], 'enforce'), answered.status);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const requestId = requestIdFrom(req.headers['x-request-id']) ?? randomUUID();
    this.handle(req, res, requestId).catch((error: unknown) => answerHandlerFailure(this.log, this.name, req, res, requestId, error));
  }


  private async handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const started = performance.now();
    const state = this.state;
    const socket = req.socket as TLSSocket;
    const peer = this.peers.get(socket);
    if (!peer) {
      res.destroy();
      return;
    }
    this.busy.add(socket);
    if (this.connections.draining) res.shouldKeepAlive = false;
    // The peer going away (its socket closing), or the sidecar cutting a too-slow request,
    // cancels the request: out of the admission queue, or the upstream request aborted.
    const exchange = new Exchange(res, socket, this.connections, classifyAppError);
    let recorded = false;
    /** Set when the sidecar cut the request for being too slow (body guard or requestTimeout): why. */
    let cut: string | undefined;
    const cutRequest = (detail: string) => {
      if (recorded) {
        // Answered already and the peer is still dribbling the rest of the body: just close.
        req.destroy();
        socket.destroy();
        return;
      }
      if (cut !== undefined) return;
      cut = detail;
      exchange.cancel();
      answerRequestTimeout(req, res, requestId);
    };
    this.cutters.set(socket, cutRequest);
    // Watches the body to its end, even past a denial written before the body arrived.
    this.bodyGuard.watch(req, state.config.server, cutRequest);
    // Only a listener with a check that reads the body may buffer one (a digest to verify).
    const requestBody = state.chain.readsBody ? new RequestBody(req) : undefined;
    const context: RequestContext = {
      requestId,
      listener: this.name,
      method: req.method ?? 'GET',
      target: req.url ?? '/',
      headers: req.headers,
      peer,
      peerPolicy: state.material.peerPolicy,
      facts: new RequestFacts(),
      // Every field always present (undefined when no check reads the body): one object shape per
      // request keeps the checks' property reads monomorphic.
      rawHeaders: requestBody ? req.rawHeaders : undefined,
      body: requestBody?.read,
    };
    // The header block is screened before any check runs (count, repeated singletons, "_" names).
    const headerPolicy = inboundHeaderPolicy(state.config);
    const refused = screenRequestHeaders(req.rawHeaders, headerPolicy, req.httpVersion);
    if (refused) res.shouldKeepAlive = false;
    const { decision, route, forwardPath } = refused ? refusedEvaluation(state.policy, refused) : await evaluate(state.policy, state.chain, context);
    const base: OutcomeBase = {
      requestId,
      listener: this.name,
      route: route ?? 'unmatched',
      method: context.method,
      path: forwardPath ? forwardPath.split('?')[0] ?? '/' : '-',
      peer: identityString(peer),
      facts: context.facts,
    };
    const finish = (status: number, extra?: OutcomeExtra) => {
      recorded = true;
      this.busy.delete(socket);
      this.cutters.delete(socket);
      recordRequest(this.recorder, base, started, decision, status, extra, cut);
    };

    if (decision.kind === 'deny' || forwardPath === undefined) {
      const decisive = decision.findings.find((finding) => finding.severity === 'deny' && finding.reason === decision.reason);
      const denial = denialResponse(decision.reason === 'none' ? 'path_not_normalized' : decision.reason, requestId, decisive);
      respond({ req, res, draining: this.connections.draining }, refused ? 'refused_headers' : 'denial', denial);
      finish(denial.status);
      return;
    }

    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    // A small declared body is read whole before an app connection is taken: a peer dribbling
    // it then holds only its own connection, never one of the app's.
    let body: Buffer | IncomingMessage | null = requestBody?.bytes ?? (hasBody ? req : null);
    const declared = Number(req.headers['content-length']);
    if (body === req && req.headers['transfer-encoding'] === undefined && declared <= state.config.upstream.bufferBodyBytes) {
      const read = await (requestBody ?? new RequestBody(req)).read(state.config.upstream.bufferBodyBytes, []);
      if (!read.ok) {
        finish(499, { reason: 'client_disconnected', aborted: `body not received: ${read.detail}` });
        return;
      }
      body = read.bytes;
    }

    /** The header lines sent to the app, for an in-path drill's forged copy. */
    const sentHeaders = upstreamRequestHeaders(
      req.rawHeaders,
      req.headers.connection,
      {
        'x-forwarded-client-cert': this.xfccFor(peer, state.material.serverUri),
        'x-forwarded-proto': 'https',
        'x-request-id': requestId,
        ...forwardedHeaders(req.rawHeaders, socket.remoteAddress, headerPolicy.forwardedFor ?? 'replace'),
      },
      forwardable(headerPolicy),
    );
    // A check that read the body (to check its digest) holds it: forward exactly those bytes.
    const sent = await exchange.forward(state, identityString(peer) ?? '', { method: context.method, path: forwardPath, headers: sentHeaders, body });
    switch (sent.kind) {
      case 'complete':
        finish(sent.status, { upstreamSeconds: sent.upstreamSeconds });
        break;
      case 'refused': {
        const denial = denialResponse(sent.reason, requestId);
        respond({ req, res, draining: this.connections.draining }, 'refusal', denial);
        finish(denial.status, { decision: 'deny', reason: sent.reason, findings: [{ check: 'admission', reason: sent.reason, severity: 'deny', detail: sent.detail }] });
        return;
      }
      case 'gone':
        finish(sent.status || 499, { reason: 'client_disconnected', upstreamSeconds: sent.upstreamSeconds, aborted: `client ${sent.stage === 'queued' ? 'closed the connection while queued for the app' : `closed the connection ${sent.stage === 'during_response' ? 'during' : 'before'} the response`}` });
        return;
      case 'cut_off':
        // Upstream reset or stalled mid-response: the client connection was closed, the sidecar keeps serving.
        finish(sent.status, { upstreamSeconds: sent.upstreamSeconds, reason: sent.reason, aborted: `upstream failed during the response: ${sent.detail}` });
        return;
      case 'failed': {
        const denial = denialResponse(sent.reason, requestId);
        respond({ req, res, draining: this.connections.draining }, 'upstream_failure', denial);
        finish(denial.status, { reason: sent.reason, upstreamSeconds: sent.upstreamSeconds });
        return;
      }
    }
    // Staging in-path drills: forged copies go to the app only after the caller has its response.
    state.drills?.afterForward(
      { route: base.route, target: this.name, method: context.method, path: forwardPath, headers: sentHeaders, body: body === null || Buffer.isBuffer(body) ? body : 'streamed', status: sent.status },
      (copy, timeoutMs) => sendCopy(state.pool, copy, timeoutMs),
    );
  }
}
