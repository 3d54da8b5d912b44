// Types at the pipeline's boundaries. A check reads a RequestContext and returns findings;
// it never writes a response, a metric or a log line.
import type { IncomingHttpHeaders } from 'node:http';
import type { Mode } from '../config/schema.js';
import type { IdentityPattern } from '../core/identity-pattern.js';
import type { PeerInfo } from '../tls/peer-identity.js';
import type { PeerCertPolicy } from '../tls/peer-policy.js';
import type { InboundConfig } from '../config/schema.js';
import type { LoadedConfig } from '../config/load.js';
import type { RequestFacts } from './facts.js';
import type { PathPattern } from '../core/path-pattern.js';
import type { Finding } from '../core/findings.js';

export interface CompiledRoute {
  readonly name: string;
  /** Upper-case methods, or null for any method. */
  readonly methods: ReadonlySet<string> | null;
  readonly pattern: PathPattern;
  readonly mode: Mode;
  readonly allow: readonly IdentityPattern[];
}

/** The per-listener policy the pipeline runs against; swapped whole on reload. */
export interface ListenerPolicy {
  readonly listener: string;
  readonly mode: Mode;
  readonly strictPaths: boolean;
  /** Path parameters (";" in a segment): refused, or stripped before matching and forwarding. */
  readonly pathParameters: 'reject' | 'strip';
  readonly routes: readonly CompiledRoute[];
}

export interface RequestContext {
  readonly requestId: string;
  readonly listener: string;
  readonly method: string;
  /** The request target as the peer sent it. */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly peer: PeerInfo;
  /** The listener's peer-certificate policy and CRLs as loaded now (a reload swaps them). */
  readonly peerPolicy: PeerCertPolicy;
  /** Write-once facts checks establish for later checks and telemetry (the verified token...). */
  readonly facts: RequestFacts;
  /** The request's header lines as received ([name, value, ...], order and duplicates kept). */
  readonly rawHeaders?: readonly string[];
  /**
   * Reads the request body once, bounded, digesting it as it streams; the listener then forwards
   * exactly those bytes. Present only when a check prepared for this listener declared `readsBody`.
   */
  readonly body?: BodyReader;
}

export type BodyRead =
  | { readonly ok: true; readonly bytes: Buffer; readonly digests: ReadonlyMap<'sha-256' | 'sha-512', Buffer> }
  | { readonly ok: false; readonly problem: 'too_large' | 'incomplete'; readonly detail: string };

export type BodyReader = (limit: number, digests: ReadonlyArray<'sha-256' | 'sha-512'>) => Promise<BodyRead>;

/** What routing adds to the context before the checks run. */
export interface RoutedRequest extends RequestContext {
  readonly route: CompiledRoute;
  /** Normalized path plus the original query: what the upstream receives. */
  readonly forwardPath: string;
}

/** What a check prepares its per-listener state from: validated, deep-frozen, files already loaded. */
export interface ListenerInput {
  readonly listener: InboundConfig;
  readonly loaded: LoadedConfig;
}

/**
 * A check's per-listener state, as `prepare` built it. Building is pure: nothing is started,
 * fetched or resized, so a reload that fails later leaves the running listener exactly as it
 * was. What must talk to the world starts in `activate`, after the swap.
 */
export interface Prepared<S> {
  readonly state: S;
  /** The check reads the request body (and raw header lines): the listener buffers a body for it. */
  readonly readsBody?: boolean;
  /** Called once, right after this state was swapped in: start fetches and timers, apply sizes to carried-over caches. */
  activate?(): void;
  /**
   * This state will serve no more requests: close what it holds that `keep` does not also hold.
   * `keep` is the successor after a swap, the running state when this one was built for a reload
   * that failed (it may share what it carried over), or undefined at shutdown.
   */
  release?(keep: S | undefined): void;
}

export interface Check<S = undefined> {
  readonly name: string;
  /**
   * Build this listener's state from its config and the state the check had before this reload
   * (undefined at start). Return undefined when the check has nothing to do on the listener: it
   * is then left out of the listener's chain and costs nothing per request. A check without
   * `prepare` always runs, with an undefined state.
   */
  prepare?(input: ListenerInput, previous: S | undefined): Prepared<S> | undefined;
  /**
   * `state` is what `prepare` built for the request's listener. The chain never runs a stateful
   * check without one; a direct call (a unit test) may, and a check treats that as "nothing
   * configured", as the chain would.
   */
  run(request: RoutedRequest, state?: S): readonly Finding[] | Promise<readonly Finding[]>;
}
