// The egress listener: plain HTTP/1.1 from the local app (loopback only), forwarded over mTLS
// that the sidecar originates with the service's own certificate.
//
//   app request → header block screened → the egress chain (egress-chain.ts: resolve the
//   upstream, attach its token, sign) → decide() → a denial (respond.ts), or forward.ts over
//   the upstream's keep-alive pool, whose every connection has proven the pinned upstream
//   identity before a byte is written (egress-pool.ts) → one recorder call (outcome.ts).
//
// Everything a reload can change lives in one EgressState object that is swapped whole; a
// request reads the state once at its start. There is no report mode here: an upstream that
// fails its identity check never receives the request, in any mode.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { decide } from '../pipeline/decision.js';
import { denialResponse } from '../pipeline/rescue.js';
import type { ReasonCode } from '../core/reasons.js';
import type { Recorder } from '../telemetry/recorder.js';
import { classifyEgressError, isUpstreamRefusal } from './egress-pool.js';
import { evaluateEgress } from './egress-chain.js';
import { retiredPools, type EgressState } from './egress-state.js';
import { requestIdFrom } from './headers.js';
import { egressHeaderPolicy, screenRequestHeaders } from './header-hygiene.js';
import { Connections, answerClientError, answerHandlerFailure, answerRequestTimeout, type Cutter } from './listener-common.js';
import { listenOn } from '../core/listen.js';
import { ConnectionLimits } from './connection-limits.js';
import { applyServerSettings, serverOptions } from './server-settings.js';
import { sendCopy } from './drill-copy.js';
import { Exchange } from './forward.js';
import { recordRequest, type OutcomeBase, type OutcomeExtra } from './outcome.js';
import { respond, type ResponseKind } from './respond.js';
import { retiredTokenSources } from '../egress-tokens/state.js';

export class EgressListener {
  readonly name: string;
  private state: EgressState;
  private readonly server: Server;
  private readonly connections: Connections;
  /** Sockets with a request being handled: a parse error there is the app leaving mid-body. */
  private readonly busy = new WeakSet<Socket>();
  private readonly limits: ConnectionLimits;
  /** The request in progress on a socket, answered 408 when Node's requestTimeout fires on it. */
  private readonly cutters = new WeakMap<Socket, Cutter>();

  constructor(
    state: EgressState,
    private readonly recorder: Recorder,
    private readonly log: Logger,
  ) {
    this.name = state.config.name;
    this.state = state;
    const server = state.config.server;
    this.server = createServer(
      serverOptions(server),
      (req, res) => this.onRequest(req, res),
    );
    // As inbound: no silent truncation by Node; header-hygiene.ts refuses above server.maxHeaderCount.
    this.server.maxHeadersCount = 0;
    this.connections = new Connections(this.server);
    this.limits = new ConnectionLimits(this.server, server, {
      opened: () => this.recorder.connectionOpened(this.name),
      closed: () => this.recorder.connectionClosed(this.name),
      refused: (reason) => this.recorder.connectionRefused(this.name, reason),
    });
    this.server.on('connection', (socket: Socket) => {
      this.connections.track(socket);
    });
    this.server.on('clientError', (error: Error & { code?: string }, socket: Socket) => this.onClientError(error, socket));
  }

  listen(): Promise<AddressInfo> {
    return listenOn(this.server, this.state.config.port, this.state.config.address);
  }


  get currentState(): EgressState {
    return this.state;
  }

  /** Swap in a new state (reload). Pools the new state no longer uses close after their requests. */
  update(next: EgressState): void {
    const previous = this.state;
    // server.* for connections accepted from now on.
    applyServerSettings(this.server, next.config.server);
    this.limits.update(next.config.server);
    this.state = next;
    for (const pool of retiredPools(previous, next)) void pool.close().catch(() => undefined);
    for (const source of retiredTokenSources(previous.upstreams.values(), next.upstreams.values())) source.close();
  }

  drain(): void {
    this.connections.drain();
  }

  get openConnections(): number {
    return this.connections.size;
  }

  async forceClose(): Promise<void> {
    this.connections.closeAll();
    for (const upstream of this.state.upstreams.values()) upstream.token?.close();
    await Promise.all([...this.state.upstreams.values()].map((upstream) => upstream.pool.destroy().catch(() => undefined)));
  }

  /** Unparseable or too-slow app requests: answered like inbound (400/408 JSON, listener-common.ts) and recorded. */
  private onClientError(error: Error & { code?: string }, socket: Socket): void {
    const answered = answerClientError(error, socket, this.busy.has(socket), this.cutters.get(socket), this.state.config.server.requestTimeoutMs);
    if (!answered) return;
    const base: OutcomeBase = { requestId: answered.requestId, listener: this.name, route: 'unmatched', method: '-', path: '-', peer: undefined };
    recordRequest(this.recorder, base, performance.now(), decide([answered.finding], 'enforce'), answered.status);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const requestId = requestIdFrom(req.headers['x-request-id']) ?? randomUUID();
    this.busy.add(socket);
    this.handle(req, res, requestId)
      .catch((error: unknown) => answerHandlerFailure(this.log, this.name, req, res, requestId, error))
      .finally(() => {
        this.busy.delete(socket);
        this.cutters.delete(socket);
      });
  }

  private async handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const started = performance.now();
    const state = this.state;
    const method = req.method ?? 'GET';
    if (this.connections.draining) res.shouldKeepAlive = false;
    const socket = req.socket;
    // The app going away (its socket closing), or Node's requestTimeout, cancels the request.
    const exchange = new Exchange(res, socket, this.connections, classifyEgressError);
    /** Set when Node's requestTimeout fired on this request: the detail, and the request is recorded as 408. */
    let timedOut: string | undefined;
    this.cutters.set(socket, (detail) => {
      if (timedOut !== undefined) return;
      timedOut = detail;
      exchange.cancel();
      answerRequestTimeout(req, res, requestId);
    });
    const base = (route: string, path: string): OutcomeBase => ({ requestId, listener: this.name, route, method, path, peer: undefined });
    const answer = (kind: ResponseKind, reason: ReasonCode) => {
      const denial = denialResponse(reason, requestId);
      respond({ req, res, draining: this.connections.draining }, kind, denial);
      return denial.status;
    };

    // The app's header block is screened before it selects an upstream (a second Host could pick another).
    const headerPolicy = egressHeaderPolicy(state.config);
    const refused = screenRequestHeaders(req.rawHeaders, headerPolicy, req.httpVersion);
    if (refused) {
      const decision = decide([{ check: 'egress', reason: refused.reason, severity: 'deny', detail: refused.detail }], 'enforce');
      recordRequest(this.recorder, base('unmatched', '-'), started, decision, answer('refused_headers', refused.reason), {}, timedOut);
      return;
    }
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    const { decision, outgoing, appLeft } = await evaluateEgress({ requestId, req, method, state, headerPolicy, hasBody });
    const route = outgoing?.upstream.config.name ?? 'unmatched';
    const routed = base(route, outgoing ? (outgoing.path.split('?')[0] ?? '/') : '-');
    if (decision.kind === 'deny' || !outgoing) {
      recordRequest(this.recorder, routed, started, decision, answer('denial', decision.reason === 'none' ? 'upstream_not_configured' : decision.reason), {}, timedOut);
      return;
    }
    if (appLeft) {
      // The app went away mid-body: nothing to answer, and nothing was sent upstream.
      recordRequest(this.recorder, routed, started, decision, 499, { reason: 'client_disconnected' }, timedOut);
      return;
    }

    // Past the pool and its bounded queue: 503 upstream_overloaded now, not an unbounded wait.
    const sent = await exchange.forward({ admission: outgoing.upstream.admission, pool: outgoing.pool }, 'app', { method, path: outgoing.path, headers: outgoing.headers, body: outgoing.body });
    const record = (status: number, extra?: OutcomeExtra, decided = decision) => recordRequest(this.recorder, routed, started, decided, status, extra, timedOut);
    switch (sent.kind) {
      case 'complete':
        record(sent.status, { upstream: route, upstreamSeconds: sent.upstreamSeconds });
        break;
      case 'refused':
        record(answer('refusal', sent.reason), {}, decide([{ check: 'egress', reason: sent.reason, severity: 'deny', detail: sent.detail }], 'enforce'));
        return;
      case 'gone':
        record(sent.status || 499, sent.stage === 'queued'
          ? { reason: 'client_disconnected', findings: [], aborted: 'app closed the connection while queued for the upstream' }
          : { reason: 'client_disconnected', findings: [], upstream: route, upstreamSeconds: sent.upstreamSeconds, aborted: `app closed the connection: ${sent.detail}` });
        return;
      case 'cut_off':
        record(sent.status, { reason: sent.reason, findings: [], upstream: route, upstreamSeconds: sent.upstreamSeconds, aborted: `upstream failed: ${sent.detail}` });
        return;
      case 'failed': {
        // A refusal of the upstream (its identity, its certificate, no token) is a denial; an
        // upstream that failed was still allowed: the outcome's reason says what happened.
        const found = { check: 'egress', reason: sent.reason, severity: 'deny' as const, detail: sent.detail };
        const status = answer('upstream_failure', sent.reason);
        const extra = { upstream: route, upstreamSeconds: sent.upstreamSeconds };
        if (isUpstreamRefusal(sent.reason)) record(status, extra, decide([found], 'enforce'));
        else record(status, { ...extra, reason: sent.reason, findings: [found] });
        return;
      }
    }
    // Staging in-path drills: forged copies go to the upstream only after the app has its response.
    state.drills?.afterForward(
      { route, target: route, method, path: outgoing.path, headers: outgoing.headers, body: outgoing.body === null || Buffer.isBuffer(outgoing.body) ? outgoing.body : 'streamed', status: sent.status },
      (copy, timeoutMs) => sendCopy(outgoing.upstream.pool, copy, timeoutMs),
    );
  }
}
