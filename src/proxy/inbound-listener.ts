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
import { evaluate } from '../pipeline/evaluate.js';
import { denialResponse } from '../pipeline/rescue.js';
import { RequestFacts } from '../pipeline/facts.js';
import type { RequestContext } from '../pipeline/types.js';
import { RequestBody } from './body-reader.js';
import type { Recorder, RequestOutcome } from '../telemetry/recorder.js';
import { classifyHandshakeError, refusedHandshakeVersion, socketVersion } from '../tls/handshake-errors.js';
import { HandshakeObserver } from '../tls/handshake-observer.js';
import { analyzePeerCertificate, PeerCertFactsCache, sentIssuers } from '../tls/peer-certificate.js';
import { identityString, readPeer, type PeerInfo } from '../tls/peer-identity.js';
import { downstreamResponseHeaders, requestIdFrom, upstreamRequestHeaders } from './headers.js';
import { forwardable, forwardedHeaders, inboundHeaderPolicy, refusedEvaluation, screenRequestHeaders } from './header-hygiene.js';
import { Connections, answerHandlerFailure, answerRequestTimeout, clientErrorReason, listenOn, writeRawDenial } from './listener-common.js';
import { classifyUpstreamError } from './upstream.js';
import { formatXfcc } from './xfcc.js';
import { BodyGuard } from './body-guard.js';
import { ConnectionLimits } from './connection-limits.js';
import { applyServerSettings, serverOptions, setHandshakeTimeout } from './server-settings.js';
import { sendCopy } from './drill-copy.js';
import type { ListenerState } from './listener-state.js';

type OutcomeBase = Omit<RequestOutcome, 'status' | 'durationSeconds' | 'reason' | 'decision' | 'findings'>;

export class InboundListener {
  readonly name: string;
  private state: ListenerState;
  private readonly server: Server;
  private readonly connections: Connections;
  private readonly peers = new WeakMap<TLSSocket, PeerInfo>();
  /** Certificate analysis (key, signature, EKU...) by SHA-256: once per certificate, not per connection. */
  private readonly certFacts = new PeerCertFactsCache();
  /** The version and certificate of each handshake, still readable when Node refuses it. */
  private readonly handshakes = new HandshakeObserver();
  /** XFCC depends only on the peer certificate and our own ID: build it once per connection. */
  private readonly xfcc = new WeakMap<PeerInfo, { by: string | undefined; value: string }>();
  /** Sockets with a request being handled: a parse error there is the peer leaving mid-body. */
  private readonly busy = new WeakSet<TLSSocket>();
  private readonly limits: ConnectionLimits;
  private readonly bodyGuard = new BodyGuard();
  /** The request in progress on a socket, cut with 408 when Node's requestTimeout fires on it. */
  private readonly cutters = new WeakMap<TLSSocket, (detail: string) => void>();

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
    const peer = readPeer(cert, this.state.config.identity.sources, this.certFacts);
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

  /**
   * Node's HTTP parser refused what a verified peer sent, or the peer was too slow. Parse errors
   * (HPE_*) get 400 malformed_request and slow requests 408 request_timeout, each counted and
   * logged like any denial. Anything else, or an error on a socket whose request is being
   * handled (the peer left mid-body, or we cut it off after an upstream reset), closes the
   * socket quietly: that request is logged as what it was.
   */
  private onClientError(error: Error & { code?: string }, socket: TLSSocket): void {
    // Node's requestTimeout on a request being handled: answer 408 through that request.
    const cut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? this.cutters.get(socket) : undefined;
    if (cut) {
      cut(`whole request not received within server.requestTimeoutMs (${this.state.config.server.requestTimeoutMs} ms)`);
      return;
    }
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
    // The peer going away, or the sidecar cutting a too-slow request, cancels the upstream
    // request. After the app's response headers, undici watches `res` itself (and an upstream
    // reset destroys `res`, which must not read as the peer leaving).
    const controller = new AbortController();
    // 0 until the app's response headers arrive; after that a failure cuts the response off.
    let status = 0;
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
      controller.abort();
      answerRequestTimeout(req, res, socket, requestId);
    };
    res.once('close', () => {
      if (status === 0 && !res.writableFinished) controller.abort();
    });
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
      ...(requestBody ? { rawHeaders: req.rawHeaders, body: requestBody.read } : {}),
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
    const finish = (status: number, extra: Partial<RequestOutcome> = {}) => {
      recorded = true;
      this.busy.delete(socket);
      this.cutters.delete(socket);
      const timedOut = cut === undefined ? {} : {
        decision: 'deny' as const,
        reason: 'request_timeout' as const,
        findings: [{ check: 'http', reason: 'request_timeout' as const, severity: 'deny' as const, detail: cut }],
        status: status === 0 || status === 499 ? 408 : status,
        aborted: undefined,
      };
      this.recorder.request({
        ...base,
        decision: decision.kind,
        reason: decision.reason,
        findings: decision.findings,
        status,
        durationSeconds: (performance.now() - started) / 1000,
        ...extra,
        ...timedOut,
      });
    };
    /** A refusal of the sidecar's own (overload): the body may be unread, so close unless it was read whole. */
    const refuse = (reason: 'upstream_overloaded' | 'identity_overloaded', detail: string) => {
      const denial = denialResponse(reason, requestId);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(denial.status, req.complete ? denial.headers : { ...denial.headers, connection: 'close' });
        res.end(denial.body);
      }
      finish(denial.status, { decision: 'deny', reason, findings: [{ check: 'admission', reason, severity: 'deny', detail }] });
    };

    if (decision.kind === 'deny' || forwardPath === undefined) {
      const decisive = decision.findings.find((finding) => finding.severity === 'deny' && finding.reason === decision.reason);
      const denial = denialResponse(decision.reason === 'none' ? 'path_not_normalized' : decision.reason, requestId, decisive);
      if (this.connections.draining) res.shouldKeepAlive = false;
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(denial.status, denial.headers);
        res.end(denial.body);
      }
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

    const admitted = await state.admission.admit(identityString(peer) ?? '', controller.signal);
    if (!admitted.ok) {
      if (admitted.reason === 'aborted') finish(499, { reason: 'client_disconnected', aborted: 'client closed the connection while queued for the app' });
      else refuse(admitted.reason, admitted.detail);
      return;
    }

    const upstreamStarted = performance.now();
    /** The header lines sent to the app, for an in-path drill's forged copy. */
    let sentHeaders: string[] = [];
    try {
      // stream() writes the app's body straight into `res`: no intermediate Readable and no
      // stream.pipeline per request (measured at about half the sidecar's CPU per request).
      await state.pool.stream(
        {
          method: context.method as Dispatcher.HttpMethod,
          path: forwardPath,
          headers: (sentHeaders = upstreamRequestHeaders(
            req.rawHeaders,
            req.headers.connection,
            {
              'x-forwarded-client-cert': this.xfccFor(peer, state.material.serverUri),
              'x-forwarded-proto': 'https',
              'x-request-id': requestId,
              ...forwardedHeaders(req.rawHeaders, socket.remoteAddress, headerPolicy.forwardedFor ?? 'replace'),
            },
            forwardable(headerPolicy),
          )),
          // A check that read the body (to check its digest) holds it: forward exactly those bytes.
          body,
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
      const cause = (res as { errored?: unknown }).errored ?? error;
      const failure = classifyUpstreamError(cause);
      const clientGone = failure === 'client_disconnected';
      if (status !== 0) {
        // Upstream reset or stalled mid-response, or the peer went away: the client connection
        // is closed (a truncated response must not look complete), the sidecar keeps serving.
        res.destroy();
        const reason = clientGone ? 'client_disconnected' : failure === 'upstream_timeout' ? 'upstream_timeout' : 'upstream_unavailable';
        finish(status, {
          upstreamSeconds,
          reason,
          aborted: clientGone ? 'client closed the connection during the response' : `upstream failed during the response: ${(cause as { code?: string }).code ?? 'error'}`,
        });
        return;
      }
      if (clientGone) {
        finish(499, { reason: 'client_disconnected', upstreamSeconds, aborted: 'client closed the connection before the response' });
        return;
      }
      const denial = denialResponse(failure as Exclude<typeof failure, 'client_disconnected'>, requestId);
      if (!res.headersSent && !res.destroyed) {
        // The request was read whole: the connection is in a known state and stays open
        // (closing it would turn an app outage into a handshake storm). Otherwise part of the
        // body may still be in flight: close.
        res.writeHead(denial.status, req.complete ? denial.headers : { ...denial.headers, connection: 'close' });
        res.end(denial.body);
      }
      finish(denial.status, { reason: failure, upstreamSeconds });
      return;
    } finally {
      admitted.release();
    }
    finish(status, { upstreamSeconds: (performance.now() - upstreamStarted) / 1000 });
    // Staging in-path drills: forged copies go to the app only after the caller has its response.
    state.drills?.afterForward(
      { route: base.route, target: this.name, method: context.method, path: forwardPath, headers: sentHeaders, body: body === null || Buffer.isBuffer(body) ? body : 'streamed', status },
      (copy, timeoutMs) => sendCopy(state.pool, copy, timeoutMs),
    );
  }
}
