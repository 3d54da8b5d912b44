// Types at the pipeline's boundaries. A check reads a RequestContext and returns findings;
// it never writes a response, a metric or a log line.
import type { IncomingHttpHeaders } from 'node:http';
import type { Mode } from '../config/schema.js';
import type { IdentityPattern } from '../tls/identity-pattern.js';
import type { PeerInfo } from '../tls/peer-identity.js';
import type { PeerCertPolicy } from '../tls/peer-policy.js';
import type { TokenRuntime } from '../tokens/runtime.js';
import type { SignatureRuntime } from './signature-runtime.js';
import type { RequestFacts } from './facts.js';
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
  /** RFC 6750 challenge for a token denial; rescue.ts turns it into WWW-Authenticate. */
  readonly bearer?: BearerChallenge;
  /**
   * A deny finding from a policy configured to report only (tokens.leastPrivilege: report):
   * decided as would_deny even on an enforcing route, and it does not stop the chain.
   */
  readonly reportOnly?: boolean;
  /** RFC 9421 §5.1 Accept-Signature value for a signature_missing denial; rescue.ts sets the header. */
  readonly acceptSignature?: string;
}

/** `WWW-Authenticate: Bearer error="…", scope="…"` (no error when no token was sent, RFC 6750 §3.1). */
export interface BearerChallenge {
  readonly error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  /** Space-delimited scopes the route requires (insufficient_scope). */
  readonly scope?: string;
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
  /** The listener's token policy as loaded now, when it has a `tokens` section. */
  readonly tokens?: TokenRuntime;
  /** Write-once facts checks establish for later checks and telemetry (the verified token...). */
  readonly facts: RequestFacts;
  /** The listener's signature policy as loaded now, when it has a `signatures` section. */
  readonly signatures?: SignatureRuntime;
  /** The request's header lines as received ([name, value, ...], order and duplicates kept). */
  readonly rawHeaders?: readonly string[];
  /** Reads the request body once, bounded, digesting it as it streams; the listener then forwards exactly those bytes. */
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

export interface Check {
  readonly name: string;
  run(request: RoutedRequest): readonly Finding[] | Promise<readonly Finding[]>;
}
