// Types at the pipeline's boundaries. A check reads a RequestContext and returns findings;
// it never writes a response, a metric or a log line.
import type { IncomingHttpHeaders } from 'node:http';
import type { Mode } from '../config/schema.js';
import type { IdentityPattern } from '../tls/identity-pattern.js';
import type { PeerInfo } from '../tls/peer-identity.js';
import type { PeerCertPolicy } from '../tls/peer-policy.js';
import type { PathPattern } from './path-pattern.js';
import type { ReasonCode } from './reasons.js';

export type Severity = 'deny' | 'warn';

export interface Finding {
  /** The check that produced it, e.g. "identity-authorization". */
  readonly check: string;
  readonly reason: ReasonCode;
  readonly severity: Severity;
  /** For the audit log: what exactly was wrong. Never holds a secret. */
  readonly detail?: string;
}

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
}

/** What routing adds to the context before the checks run. */
export interface RoutedRequest extends RequestContext {
  readonly route: CompiledRoute;
  /** Normalized path plus the original query: what the upstream receives. */
  readonly forwardPath: string;
}

export interface Check {
  readonly name: string;
  run(request: RoutedRequest): readonly Finding[] | Promise<readonly Finding[]>;
}
