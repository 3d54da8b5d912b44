// The audit line of one request, built as one string in a fixed field order. At `info` every
// request writes one, and pino's generic path (walk the object's keys, type-switch each value,
// format a Date) cost more than the rest of the line's work together. The text is exactly what
// `audit.info({ type: 'request', ... }, 'request')` wrote before: same fields, same order, same
// escaping (line-text.ts); test/unit/telemetry/request-line.test.ts holds the two side by side.
//
// Only values that are never secret go in: ids, names, the decision, reasons, a query-less path,
// and for a token its issuer, a digest of its jti, its expiry and scopes (never the token).
import type { RequestFacts } from '../checks/facts.js';
import type { RequestOutcome } from './request-outcome.js';
import { jtiDigest } from './jti-digest.js';
import { isoTime, jsonNumber, jsonString } from './line-text.js';
import { LOG_BASE } from './logger.js';

/** What pino writes before an `info` line's own fields: level, time, then the base bindings. */
const LEVEL_AND_TIME = '{"level":"info","time":"';
const AFTER_TIME = `"${Object.entries(LOG_BASE)
  .map(([key, value]) => `,${jsonString(key)}:${jsonString(value)}`)
  .join('')},"type":"request","request_id":`;

/** Which token was relied on (never the token itself): `palisade audit` joins it with the broker's grants. */
export function tokenInfo(facts: RequestFacts | undefined): Record<string, unknown> | undefined {
  const token = facts?.get('token');
  if (!token) return undefined;
  // The jti itself stays out of the log (a test plants one); its digest is enough to join with the broker's grants.
  return { issuer: token.issuer, jti_sha256: token.jti === undefined ? null : jtiDigest(token.jti), exp: Math.floor(token.expiresAt / 1000), scopes: [...token.scopes], scopes_used: facts?.get('scopesUsed') ?? [] };
}

function reasonsJson(outcome: RequestOutcome): string {
  if (outcome.findings.length === 0) return '[]';
  // Nested values are JSON.stringify'd by pino too: the same call gives the same text.
  return JSON.stringify(outcome.findings.map((finding) => ({ check: finding.check, reason: finding.reason, severity: finding.severity, detail: finding.detail })));
}

/** The whole line, newline included, for a request finished at `nowMs`. */
export function requestLine(outcome: RequestOutcome, nowMs: number): string {
  const token = tokenInfo(outcome.facts);
  return (
    LEVEL_AND_TIME +
    isoTime(nowMs) +
    AFTER_TIME +
    jsonString(outcome.requestId) +
    ',"listener":' +
    jsonString(outcome.listener) +
    ',"peer":' +
    (outcome.peer === undefined ? 'null' : jsonString(outcome.peer)) +
    ',"route":' +
    jsonString(outcome.route) +
    ',"method":' +
    jsonString(outcome.method) +
    ',"path":' +
    jsonString(outcome.path) +
    ',"decision":' +
    jsonString(outcome.decision) +
    ',"reason":' +
    jsonString(outcome.reason) +
    ',"reasons":' +
    reasonsJson(outcome) +
    ',"status":' +
    jsonNumber(outcome.status) +
    ',"duration_ms":' +
    jsonNumber(Math.round(outcome.durationSeconds * 1e6) / 1e3) +
    ',"upstream_ms":' +
    (outcome.upstreamSeconds === undefined ? 'null' : jsonNumber(Math.round(outcome.upstreamSeconds * 1e6) / 1e3)) +
    (outcome.aborted ? ',"aborted":' + jsonString(outcome.aborted) : '') +
    (outcome.upstream !== undefined ? ',"upstream":' + jsonString(outcome.upstream) : '') +
    (token ? ',"token_info":' + JSON.stringify(token) : '') +
    ',"msg":"request"}\n'
  );
}
