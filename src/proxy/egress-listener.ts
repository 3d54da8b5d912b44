// The egress listener: plain HTTP/1.1 from the local app (loopback only), forwarded over mTLS
// that the sidecar originates with the service's own certificate.
//
//   app request → pick the upstream (egress-routing.ts) → its keep-alive pool, whose every
//   connection has proven the pinned upstream identity before a byte is written
//   (egress-pool.ts) → stream the response back → telemetry through the Recorder.
//
// Everything a reload can change lives in one EgressState object that is swapped whole; a
// request reads the state once at its start. There is no report mode here: an upstream that
// fails its identity check never receives the request, in any mode.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { DecisionKind } from '../pipeline/decision.js';
import type { ReasonCode } from '../pipeline/reasons.js';
import { denialResponse } from '../pipeline/rescue.js';
import type { Finding } from '../pipeline/types.js';
import type { Recorder } from '../telemetry/recorder.js';
import { classifyEgressError } from './egress-pool.js';
import { resolveEgressTarget } from './egress-routing.js';
import { retiredPools, type EgressState } from './egress-state.js';
import { downstreamResponseHeaders, requestIdFrom, upstreamRequestHeaders } from './headers.js';
import { egressHeaderPolicy, forwardable, screenRequestHeaders, type HeaderPolicy } from './header-hygiene.js';
import { Connections, answerHandlerFailure, answerRequestTimeout, clientErrorReason, listenOn, writeRawDenial } from './listener-common.js';
import { ConnectionLimits } from './connection-limits.js';
import { applyServerSettings, serverOptions } from './server-settings.js';
import { sendCopy } from './drill-copy.js';
import { attachEgressToken } from '../egress-tokens/listener-step.js';
import { retiredTokenSources } from '../egress-tokens/state.js';

/** Failures that mean the sidecar refused the upstream, not that the upstream failed. */
const REFUSALS = new Set<ReasonCode>(['upstream_identity_mismatch', 'upstream_cert_invalid', 'upstream_tls_failed', 'token_unavailable']);

/**
 * The app's headers for the upstream: hop-by-hop and sidecar-owned fields (x-forwarded-client-cert
 * among them: the app must not speak for a peer) removed by upstreamRequestHeaders, and Host
 * dropped so undici sends the upstream's own authority; the app's Host only chose the upstream.
 */
function egressRequestHeaders(req: IncomingMessage, requestId: string, policy: HeaderPolicy): string[] {
  const all = upstreamRequestHeaders(req.rawHeaders, req.headers.connection, { 'x-request-id': requestId }, forwardable(policy));
  const out: string[] = [];
  for (let i = 0; i < all.length; i += 2) {
    if ((all[i] as string).toLowerCase() !== 'host') out.push(all[i] as string, all[i + 1] as string);
  }
  return out;
}

export class EgressListener {
  readonly name: string;
  private state: EgressState;
  private readonly server: Server;
  private readonly connections: Connections;
  /** Sockets with a request being handled: a parse error there is the app leaving mid-body. */
  private readonly busy = new WeakSet<Socket>();
  private readonly limits: ConnectionLimits;
  /** The request in progress on a socket, answered 408 when Node's requestTimeout fires on it. */
  private readonly cutters = new WeakMap<Socket, () => void>();

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

  /** Unparseable or too-slow app requests: answered like inbound (400/408 JSON) and recorded. */
  private onClientError(error: Error & { code?: string }, socket: Socket): void {
    const cut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? this.cutters.get(socket) : undefined;
    if (cut) {
      cut();
      return;
    }
    const reason = clientErrorReason(error.code, this.busy.has(socket));
    if (!reason || !socket.writable) {
      socket.destroy();
      return;
    }
    const { requestId, status } = writeRawDenial(socket, reason);
    this.record(requestId, 'unmatched', '-', '-', 'deny', reason, [{ check: 'http', reason, severity: 'deny', detail: error.code }], status, 0);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    this.busy.add(socket);
    this.handle(req, res)
      .catch((error: unknown) => answerHandlerFailure(this.log, this.name, res, error))
      .finally(() => {
        this.busy.delete(socket);
        this.cutters.delete(socket);
      });
  }


  private record(
    requestId: string,
    route: string,
    method: string,
    path: string,
    decision: DecisionKind,
    reason: ReasonCode | 'none',
    findings: readonly Finding[],
    status: number,
    durationSeconds: number,
    extra: { upstream?: string; upstreamSeconds?: number; aborted?: string } = {},
    timedOut?: string,
  ): void {
    if (timedOut !== undefined) {
      // Node's requestTimeout cut this request (answered 408 by the cutter): record it as that.
      this.recorder.request({ requestId, listener: this.name, route, method, path, peer: undefined, decision: 'deny', reason: 'request_timeout', findings: [{ check: 'http', reason: 'request_timeout', severity: 'deny', detail: timedOut }], status: 408, durationSeconds, ...extra, aborted: undefined });
      return;
    }
    this.recorder.request({ requestId, listener: this.name, route, method, path, peer: undefined, decision, reason, findings, status, durationSeconds, ...extra });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const state = this.state;
    const requestId = requestIdFrom(req.headers['x-request-id']) ?? randomUUID();
    const method = req.method ?? 'GET';
    if (this.connections.draining) res.shouldKeepAlive = false;
    const seconds = () => (performance.now() - started) / 1000;
    const controller = new AbortController();
    /** Set when Node's requestTimeout fired on this request: the detail, and the request is recorded as 408. */
    let timedOut: string | undefined;
    const socket = req.socket;
    this.cutters.set(socket, () => {
      if (timedOut !== undefined) return;
      timedOut = `whole request not received within server.requestTimeoutMs (${state.config.server.requestTimeoutMs} ms)`;
      controller.abort();
      answerRequestTimeout(req, res, socket, requestId);
    });

    const deny = (reason: ReasonCode, detail: string, route: string, path: string, extra: { upstream?: string; upstreamSeconds?: number } = {}) => {
      const denial = denialResponse(reason, requestId);
      if (!res.headersSent && !res.destroyed) {
        // An upstream failure after the app's request was read whole leaves the connection in a
        // known state: keep it. Part of a body may still be in flight otherwise: close.
        res.writeHead(denial.status, extra.upstream && !req.complete ? { ...denial.headers, connection: 'close' } : denial.headers);
        res.end(denial.body);
      }
      const decision: DecisionKind = REFUSALS.has(reason) || !extra.upstream ? 'deny' : 'allow';
      this.record(requestId, route, method, path, decision, reason, [{ check: 'egress', reason, severity: 'deny', detail }], denial.status, seconds(), extra, timedOut);
    };

    // The app's header block is screened before it selects an upstream (a second Host could pick another).
    const headerPolicy = egressHeaderPolicy(state.config);
    const refused = screenRequestHeaders(req.rawHeaders, headerPolicy, req.httpVersion);
    if (refused) {
      res.shouldKeepAlive = false;
      deny(refused.reason, refused.detail, 'unmatched', '-');
      return;
    }
    const target = resolveEgressTarget(req.url ?? '/', req.headers.host, state.routes);
    if (!target.ok) {
      deny(target.reason, target.detail, 'unmatched', '-');
      return;
    }
    const upstream = state.upstreams.get(target.upstream);
    if (!upstream) {
      deny('upstream_not_configured', 'upstream vanished from the state', 'unmatched', '-');
      return;
    }
    const route = upstream.config.name;
    const logPath = target.path.split('?')[0] ?? '/';
    const upstreamStarted = performance.now();
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    let headers = egressRequestHeaders(req, requestId, headerPolicy);
    let body: IncomingMessage | Buffer | null = hasBody ? req : null;
    // Egress tokens (src/egress-tokens/): the upstream's bearer token replaces the app's Authorization.
    const token = upstream.token ? await attachEgressToken(upstream, req, method, target.path, headers, hasBody, state.signer) : undefined;
    if (token && !token.ok) {
      if (token.problem === 'incomplete') this.record(requestId, route, method, logPath, 'allow', 'client_disconnected', [{ check: 'egress', reason: 'client_disconnected', severity: 'warn', detail: token.detail }], 499, seconds());
      else deny('token_unavailable', token.detail, route, logPath);
      return;
    }
    if (token) ({ headers, body } = token);
    if (state.signer) {
      // RFC 9421: sign for the upstream's authority; a body is digested and sent as those bytes.
      const signed = await state.signer.sign(req, method, target.path, new URL(upstream.config.url).host, headers, hasBody);
      if (!signed.ok && signed.problem === 'incomplete') {
        // The app went away mid-body: nothing to answer, and nothing was sent upstream.
        this.record(requestId, route, method, logPath, 'allow', 'client_disconnected', [{ check: 'egress', reason: 'client_disconnected', severity: 'warn', detail: signed.detail }], 499, seconds(), {}, timedOut);
        return;
      }
      if (!signed.ok) {
        deny('body_too_large', signed.detail, route, logPath);
        return;
      }
      headers = signed.headers;
      body = signed.body;
    }
    // 0 until the upstream's response headers arrive; after that a failure cuts the response off.
    let status = 0;
    res.once('close', () => {
      if (status === 0 && !res.writableFinished) controller.abort();
    });
    // Past the pool and its bounded queue: 503 upstream_overloaded now, not an unbounded wait.
    const admitted = await upstream.admission.admit('app', controller.signal);
    if (!admitted.ok) {
      if (admitted.reason === 'aborted') this.record(requestId, route, method, logPath, 'allow', 'client_disconnected', [], 499, seconds(), { aborted: 'app closed the connection while queued for the upstream' }, timedOut);
      else deny(admitted.reason, admitted.detail, route, logPath);
      return;
    }
    try {
      await (token?.dispatcher ?? upstream.pool).stream(
        {
          method: method as Dispatcher.HttpMethod,
          path: target.path,
          headers,
          body,
          signal: controller.signal,
        },
        ({ statusCode, headers }) => {
          status = statusCode;
          if (this.connections.draining) res.shouldKeepAlive = false;
          res.writeHead(statusCode, downstreamResponseHeaders(headers));
          return res;
        },
      );
    } catch (error) {
      const upstreamSeconds = (performance.now() - upstreamStarted) / 1000;
      const failure = classifyEgressError((res as { errored?: unknown }).errored ?? error);
      if (failure.reason === 'client_disconnected' || status !== 0) {
        // The app went away, or the upstream failed mid-response: close the app's connection
        // (a truncated response must not look complete), keep serving. A 408 being written stays.
        if (timedOut === undefined) res.destroy();
        const reason = failure.reason === 'client_disconnected' ? 'client_disconnected' : failure.reason === 'upstream_timeout' ? 'upstream_timeout' : 'upstream_unavailable';
        this.record(requestId, route, method, logPath, 'allow', reason, [], status || 499, seconds(), {
          upstream: route,
          upstreamSeconds,
          aborted: `${reason === 'client_disconnected' ? 'app closed the connection' : 'upstream failed'}: ${failure.detail}`,
        }, timedOut);
        return;
      }
      deny(failure.reason, failure.detail, route, logPath, { upstream: route, upstreamSeconds });
      return;
    } finally {
      admitted.release();
    }
    this.record(requestId, route, method, logPath, 'allow', 'none', [], status, seconds(), { upstream: route, upstreamSeconds: (performance.now() - upstreamStarted) / 1000 });
    // Staging in-path drills: forged copies go to the upstream only after the app has its response.
    state.drills?.afterForward(
      { route, target: route, method, path: target.path, headers, body: body === null || Buffer.isBuffer(body) ? body : 'streamed', status },
      (copy, timeoutMs) => sendCopy(upstream.pool, copy, timeoutMs),
    );
  }
}
