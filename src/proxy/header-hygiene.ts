// What a request's header block may hold before anything reads it, and what of it goes on.
//
// Run by both listeners on the raw header list (req.rawHeaders: every field line, in order,
// duplicates kept), before routing and before any check, so a refusal never depends on which
// check ran and the checks and the app always see the same fields:
//
//   - more than server.maxHeaderCount field lines: 431 too_many_headers. The listeners disable
//     Node's own count limit (which drops the excess silently), so nothing is ever lost
//     below the limit and everything above it is refused; maxHeaderBytes bounds the memory.
//   - a field that must be single sent twice (Host, Authorization, Content-Type...): 400
//     malformed_request. Node keeps only the first of these in req.headers, which the checks
//     read, while the app gets every line: two readers, two answers.
//   - a repeated member key in Signature-Input, Signature or Content-Digest (RFC 8941 lets the
//     last one win; a verifier that takes the first disagrees): 400 malformed_request.
//   - no Host in HTTP/1.1, or a Host that is not one host[:port] (RFC 9112 §3.2), and a
//     Connection header naming a field the sidecar reads or sets (forwarding would strip it
//     after the checks read it): 400 malformed_request.
//   - a header name with "_" that folds ("_" → "-", any case) onto a name the sidecar sets,
//     strips or reads: 400 header_not_allowed, whatever headers.underscores says. Servers that
//     fold (CGI, WSGI, PHP, Rack...) would hand it to the app as that header.
//   - any other name with "_": headers.underscores (allow, drop, or reject: 400 header_not_allowed).
//
// What goes on to the app, inbound: the sidecar's own headers first (x-forwarded-client-cert,
// x-forwarded-proto, x-request-id, x-forwarded-for, forwarded, x-real-ip, from its own view of
// the peer), then the peer's fields without hop-by-hop ones, without the identity-shaped fields
// only a proxy may assert (IDENTITY_HEADERS, plus headers.strip), and without dropped "_" names.
// Egress: the app's fields without certificate-identity ones (the app has no peer certificate
// to speak for) and headers.strip; the app's X-Forwarded-For and Forwarded pass as they are.
import type { EgressConfig, InboundConfig } from '../config/schema.js';
import { decide } from '../pipeline/decision.js';
import type { Evaluation } from '../pipeline/evaluate.js';
import type { ReasonCode } from '../core/reasons.js';
import type { ListenerPolicy } from '../checks/types.js';
import type { Finding } from '../core/findings.js';
import { parseStrictDictionary, StrictParseError } from '../signatures/strict-dictionary.js';
import { CERTIFICATE_IDENTITY_HEADERS, DICTIONARY_FIELDS, IDENTITY_HEADERS, nameMatcher, SINGLE_FIELDS, type NameMatcher } from './header-names.js';
import { HOP_BY_HOP, SIDECAR_OWNED } from './headers.js';

/** Set by the sidecar inbound from its own view of the peer; the peer's copies never pass as they are. */
const INBOUND_SET: ReadonlySet<string> = new Set([...SIDECAR_OWNED, 'x-forwarded-for', 'forwarded', 'x-real-ip']);

export type UnderscoreAction = 'allow' | 'drop' | 'reject';
export type ForwardedForMode = 'replace' | 'append';

export interface HeaderPolicy {
  readonly maxHeaderCount: number;
  readonly underscores: UnderscoreAction;
  /** Peer fields never forwarded (identity-shaped). */
  readonly stripped: NameMatcher;
  /** Fields that must be single: SINGLE_FIELDS, plus the listener's token header (tokens.header). */
  readonly single: ReadonlySet<string>;
  /** Names the sidecar sets, strips or reads: a "_" name folding onto one is refused. */
  readonly protectedName: NameMatcher;
  /** inbound: how X-Forwarded-For / Forwarded are set; undefined on egress (left as the app sent them). */
  readonly forwardedFor?: ForwardedForMode;
  /** Whether a peer field passes on: not stripped, not a dropped "_" name, not one the sidecar sets. */
  readonly forwardable: (lowerName: string) => boolean;
}

function compile(
  maxHeaderCount: number,
  underscores: UnderscoreAction,
  strip: readonly string[],
  owned: ReadonlySet<string>,
  extraSingle: readonly string[],
  forwardedFor?: ForwardedForMode,
): HeaderPolicy {
  const stripped = nameMatcher(strip);
  const single = new Set([...SINGLE_FIELDS, ...extraSingle]);
  const read = new Set([...owned, ...single, ...DICTIONARY_FIELDS, ...HOP_BY_HOP, 'cookie']);
  const dropUnderscores = underscores === 'drop';
  return {
    maxHeaderCount,
    underscores,
    single,
    stripped,
    protectedName: (name) => read.has(name) || stripped(name),
    ...(forwardedFor ? { forwardedFor } : {}),
    forwardable: (name) => !stripped(name) && !(dropUnderscores && name.includes('_')) && !(forwardedFor !== undefined && owned.has(name)),
  };
}

// Compiled once per config object (a reload brings a new one).
const inboundPolicies = new WeakMap<InboundConfig, HeaderPolicy>();
const egressPolicies = new WeakMap<EgressConfig, HeaderPolicy>();

export function inboundHeaderPolicy(config: InboundConfig): HeaderPolicy {
  let policy = inboundPolicies.get(config);
  if (!policy) {
    policy = compile(config.server.maxHeaderCount, config.headers.underscores, [...IDENTITY_HEADERS, ...config.headers.strip], INBOUND_SET, config.tokens ? [config.tokens.header] : [], config.headers.forwardedFor);
    inboundPolicies.set(config, policy);
  }
  return policy;
}

export function egressHeaderPolicy(config: EgressConfig): HeaderPolicy {
  let policy = egressPolicies.get(config);
  if (!policy) {
    policy = compile(config.server.maxHeaderCount, config.headers.underscores, [...CERTIFICATE_IDENTITY_HEADERS, ...config.headers.strip], SIDECAR_OWNED, []);
    egressPolicies.set(config, policy);
  }
  return policy;
}

export interface HeaderRefusal {
  readonly reason: Extract<ReasonCode, 'malformed_request' | 'too_many_headers' | 'header_not_allowed'>;
  readonly detail: string;
}

// RFC 9112 §3.2 / RFC 3986 §3.2.2: uri-host [":" port]; an IP literal in brackets or a reg-name.
const HOST_VALUE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

/** Fields a Connection header may not name: removing them would make the app read another request than the checks did. */
function connectionProblem(value: string, policy: HeaderPolicy): string | undefined {
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase();
    if (name && policy.protectedName(name) && !HOP_BY_HOP.has(name)) return name;
  }
  return undefined;
}

/**
 * Why the header block is refused, or undefined when it may go on. Never echoes a value (it may
 * be a secret). `httpVersion` as Node reports it ("1.1", "1.0"): HTTP/1.1 requires a Host.
 */
export function screenRequestHeaders(rawHeaders: readonly string[], policy: HeaderPolicy, httpVersion = '1.1'): HeaderRefusal | undefined {
  const count = rawHeaders.length / 2;
  if (count > policy.maxHeaderCount) return { reason: 'too_many_headers', detail: `${count} header fields; server.maxHeaderCount is ${policy.maxHeaderCount}` };
  const seen = new Set<string>();
  let dictionaries: Map<string, string[]> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const lower = (rawHeaders[i] as string).toLowerCase();
    if (policy.single.has(lower)) {
      if (seen.has(lower)) return { reason: 'malformed_request', detail: `more than one ${lower} header` };
      seen.add(lower);
      if (lower === 'host' && !HOST_VALUE.test((rawHeaders[i + 1] as string).trim())) return { reason: 'malformed_request', detail: 'host is not a valid authority (host[:port])' };
    } else if (lower === 'connection') {
      const named = connectionProblem(rawHeaders[i + 1] as string, policy);
      if (named) return { reason: 'malformed_request', detail: `connection names ${named}, an end-to-end field the sidecar reads or sets` };
    } else if (DICTIONARY_FIELDS.includes(lower)) {
      dictionaries ??= new Map();
      const lines = dictionaries.get(lower) ?? [];
      lines.push(rawHeaders[i + 1] as string);
      dictionaries.set(lower, lines);
    }
    if (lower.includes('_')) {
      const folded = lower.replaceAll('_', '-');
      if (policy.protectedName(folded)) return { reason: 'header_not_allowed', detail: `header ${lower} folds onto ${folded}, which only the sidecar may set or read` };
      if (policy.underscores === 'reject') return { reason: 'header_not_allowed', detail: `header ${lower} has "_" in its name (headers.underscores: reject)` };
    }
  }
  if (!seen.has('host') && httpVersion !== '1.0') return { reason: 'malformed_request', detail: 'no host header (required in HTTP/1.1)' };
  if (dictionaries) {
    for (const [name, lines] of dictionaries) {
      const duplicate = duplicateMemberKey(lines);
      if (duplicate !== undefined) return { reason: 'malformed_request', detail: `${name} names member ${duplicate} more than once` };
    }
  }
  return undefined;
}

/** A dictionary key repeated within or across lines; syntax errors are the signature check's to report. */
function duplicateMemberKey(lines: readonly string[]): string | undefined {
  const keys = new Set<string>();
  for (const line of lines) {
    let members;
    try {
      members = parseStrictDictionary(line.trim());
    } catch (error) {
      if (error instanceof StrictParseError && error.problem === 'duplicate') return /"([^"]*)"/.exec(error.message)?.[1] ?? '?';
      continue;
    }
    for (const [key] of members) {
      if (keys.has(key)) return key;
      keys.add(key);
    }
  }
  return undefined;
}

/** Whether a peer field passes on (hop-by-hop and sidecar-owned fields are headers.ts's to drop). */
export function forwardable(policy: HeaderPolicy): (lowerName: string) => boolean {
  return policy.forwardable;
}

/** The peer address as the socket reports it, without the IPv4-mapped IPv6 prefix. */
function peerAddress(remoteAddress: string | undefined): string {
  const address = remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * X-Forwarded-For, Forwarded (RFC 7239) and X-Real-IP from the sidecar's own view of the peer.
 * replace: the peer's copies are dropped; append: the peer's chain is kept and the peer's
 * address appended, for deployments where the peer is itself a trusted proxy. X-Real-IP is a
 * single address and is always the peer's.
 */
export function forwardedHeaders(rawHeaders: readonly string[], remoteAddress: string | undefined, mode: ForwardedForMode): Record<string, string> {
  const address = peerAddress(remoteAddress);
  const forNode = address.includes(':') ? `"[${address}]"` : address;
  let xff = address;
  let forwarded = `for=${forNode};proto=https`;
  if (mode === 'append') {
    const prior = (name: string) => {
      const values: string[] = [];
      for (let i = 0; i < rawHeaders.length; i += 2) {
        if ((rawHeaders[i] as string).toLowerCase() === name) {
          const value = (rawHeaders[i + 1] as string).trim();
          if (value) values.push(value);
        }
      }
      return values;
    };
    xff = [...prior('x-forwarded-for'), xff].join(', ');
    forwarded = [...prior('forwarded'), forwarded].join(', ');
  }
  return { 'x-forwarded-for': xff, forwarded, 'x-real-ip': address };
}

/** A header refusal as the pipeline's evaluation: one deny finding, decided like any other (its reasons deny in report mode too). */
export function refusedEvaluation(policy: ListenerPolicy, refusal: HeaderRefusal): Evaluation {
  const finding: Finding = { check: 'headers', reason: refusal.reason, severity: 'deny', detail: refusal.detail };
  return { decision: decide([finding], policy.mode) };
}
