// Runs a check, or the whole chain, on a hand-built request: no socket, no handshake, no app.
// The listener is real (a config object through the real loader, key and JWKS files from the
// test PKI, the state the sidecar builds for a listener), the peer is a real certificate read
// the way the inbound listener reads it, and the request is what routing hands the checks. A
// check's logic can then be proven case by case, the way fastify's inject() tests a route.
//
// Every unit test runs checks through `run` and `evaluate` here, and nowhere else: how a check
// receives its per-listener state is this file's business, so when that contract changes, this
// file changes and the tests do not.
import { X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { loadConfigObject, type LoadedConfig } from '../../src/config/load.js';
import type { InboundConfig } from '../../src/config/schema.js';
import { evaluate, type Evaluation } from '../../src/pipeline/evaluate.js';
import { RequestFacts } from '../../src/checks/facts.js';
import { normalizePath } from '../../src/pipeline/path-normalize.js';
import { compileListenerPolicy, findRoute } from '../../src/pipeline/routes.js';
import { ChainState } from '../../src/pipeline/chain-state.js';
import type { Check, ListenerPolicy, RequestContext, RoutedRequest } from '../../src/checks/types.js';
import type { Finding } from '../../src/core/findings.js';
import { RequestBody } from '../../src/proxy/body-reader.js';
import { PeerCertFactsCache } from '../../src/tls/peer-certificate.js';
import { readPeer, type PeerInfo } from '../../src/tls/peer-identity.js';
import type { PeerCertPolicy } from '../../src/tls/peer-policy.js';
import type { CertFiles, TestPki } from './pki.js';
import { sidecarConfig, type SidecarOptions } from './sidecar.js';

/** What one inbound listener holds for its checks, built as the sidecar builds it. */
export interface ListenerCheckState {
  readonly peerPolicy: PeerCertPolicy;
  /**
   * Each check with the state it prepared for this listener (ChainState.prepare, as a reload
   * builds it). Never activated: a remote JWKS or denylist stays "never loaded", which is what a
   * listener sees before its first fetch answers (and all a unit test can ask of it without a socket).
   */
  readonly chain: ChainState;
}

export interface RequestSpec {
  /** The peer: a test certificate (default pki.frontend), or a PEM. */
  who?: CertFiles | string;
  /** PEMs of the intermediates the peer sent with its certificate, nearest first. */
  intermediates?: readonly string[];
  method?: string;
  /** The request target as sent: path and query. Default /api/orders. */
  target?: string;
  /** Header lines in order; a name may repeat. Host defaults to localhost:8443. */
  headers?: Record<string, string> | ReadonlyArray<readonly [string, string]>;
  /** The request body; sets Content-Length unless the headers set it. */
  body?: string | Buffer;
  requestId?: string;
}

/** The authority hand-built requests carry (and signatures in unit tests sign). */
export const TEST_AUTHORITY = 'localhost:8443';

export interface CheckContext {
  readonly pki: TestPki;
  readonly loaded: LoadedConfig;
  readonly config: InboundConfig;
  readonly policy: ListenerPolicy;
  readonly state: ListenerCheckState;
  /** The request routing hands the checks; throws when no route matches (a test's mistake). */
  request(spec?: RequestSpec): RoutedRequest;
  /** Run one check on a request (or a spec); the findings it returns. */
  run<S>(check: Check<S>, request: RoutedRequest | RequestSpec): Promise<readonly Finding[]>;
  /** The check's answer as it returns it: findings, or a promise of them (to prove a check stays synchronous). */
  answer<S>(check: Check<S>, request: RoutedRequest | RequestSpec): ReturnType<Check<S>['run']>;
  /** Run routing, the whole chain and decide(), as the listener does. */
  evaluate(spec?: RequestSpec): Promise<Evaluation>;
}

/** A listener named "app" from the same config the integration tests use, through the real loader. */
export function checkContext(pki: TestPki, options: Omit<SidecarOptions, 'upstreamUrl'> = {}): CheckContext {
  const loaded = loadConfigObject(sidecarConfig(pki, { upstreamUrl: 'http://127.0.0.1:9', ...options }), pki.dir);
  if (!loaded.ok) throw new Error(`test config invalid:\n${loaded.errors.join('\n')}`);
  const config = loaded.value.config.inbound[0] as InboundConfig;
  const material = loaded.value.tls.get(config.name);
  if (!material) throw new Error(`no TLS material for listener ${config.name}`);
  const state: ListenerCheckState = {
    peerPolicy: material.peerPolicy,
    chain: ChainState.prepare({ listener: config, loaded: loaded.value }, undefined),
  };
  const policy = compileListenerPolicy(config, loaded.value.config.mode);
  const certFacts = new PeerCertFactsCache();
  const peerOf = (who: CertFiles | string | undefined, intermediates: readonly string[] | undefined): PeerInfo => {
    const pem = who === undefined ? pki.frontend.certPem : typeof who === 'string' ? who : who.certPem;
    const certificate = new X509Certificate(pem);
    // A certificate read from a PEM has no chain attached; a TLS socket's does, from what the peer sent.
    return readPeer(certificate, config.identity.sources, certFacts, intermediates?.map((text) => new X509Certificate(text)), material.anchorCertificates);
  };

  const context = (spec: RequestSpec): RequestContext => {
    const lines: Array<readonly [string, string]> = spec.headers === undefined ? [] : Array.isArray(spec.headers) ? [...spec.headers] : Object.entries(spec.headers);
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
    if (!lines.some(([name]) => name.toLowerCase() === 'host')) lines.unshift(['host', TEST_AUTHORITY]);
    if (body && !lines.some(([name]) => name.toLowerCase() === 'content-length')) lines.push(['content-length', String(body.length)]);
    // As Node's parser does: names lower-cased, repeats joined (set-cookie aside, which no check reads).
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of lines) {
      const key = name.toLowerCase();
      const seen = headers[key];
      headers[key] = seen === undefined ? value : `${String(seen)}, ${value}`;
    }
    return {
      requestId: spec.requestId ?? 'test-request',
      listener: config.name,
      method: spec.method ?? 'GET',
      target: spec.target ?? '/api/orders',
      headers,
      rawHeaders: lines.flat(),
      peer: peerOf(spec.who, spec.intermediates),
      peerPolicy: state.peerPolicy,
      facts: new RequestFacts(),
      ...(body ? { body: bodyReader(body, headers) } : {}),
    };
  };

  const request = (spec: RequestSpec = {}): RoutedRequest => {
    const base = context(spec);
    const normalized = normalizePath(base.target, policy.pathParameters);
    if (!normalized.ok) throw new Error(`test request target ${base.target} does not normalize: ${normalized.problem}`);
    const route = findRoute(policy, base.method, normalized.segments);
    if (!route) throw new Error(`no route for ${base.method} ${normalized.path}`);
    return { ...base, route, forwardPath: normalized.path + normalized.query };
  };

  // The one place a check is invoked: with the state it prepared for this listener, as the chain
  // runs it (undefined when the check has nothing to do on this listener).
  const answer = <S>(check: Check<S>, given: RoutedRequest | RequestSpec): ReturnType<Check<S>['run']> => {
    const step = state.chain.steps.find((candidate) => candidate.check === (check as Check<unknown>));
    return check.run('route' in given ? given : request(given), step?.state as S | undefined);
  };

  return {
    pki,
    loaded: loaded.value,
    config,
    policy,
    state,
    request,
    answer,
    run: async (check, given) => answer(check, given),
    evaluate: (spec = {}) => evaluate(policy, state.chain, context(spec)),
  };
}

/** The body as the listener's reader sees it: a stream with the request's headers, read once when a check asks. */
function bodyReader(body: Buffer, headers: IncomingHttpHeaders): RequestContext['body'] {
  const stream = Object.assign(Readable.from([body]), { headers, complete: false });
  stream.once('end', () => (stream.complete = true));
  return new RequestBody(stream as unknown as IncomingMessage).read;
}

/** The reasons of a list of findings, in order. */
export const reasons = (findings: readonly Finding[]): string[] => findings.map((finding) => finding.reason);
