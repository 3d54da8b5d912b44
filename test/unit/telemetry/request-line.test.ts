// The request audit line is built without pino (request-line.ts) and must stay byte for byte the
// line pino wrote for the same record before: same fields, same order, same escaping. Here
// the Recorder's line and pino's line for the record the Recorder used to log are compared
// over many outcomes, with strings full of what JSON escaping gets wrong.
import { afterEach, expect, test, vi } from 'vitest';
import { RequestFacts } from '../../../src/checks/facts.js';
import type { Finding } from '../../../src/core/findings.js';
import type { ReasonCode } from '../../../src/core/reasons.js';
import { isoTime, jsonString } from '../../../src/telemetry/line-text.js';
import { createLoggers } from '../../../src/telemetry/logger.js';
import { Metrics } from '../../../src/telemetry/metrics.js';
import { Recorder, type RequestOutcome } from '../../../src/telemetry/recorder.js';
import { requestLine, tokenInfo } from '../../../src/telemetry/request-line.js';
import { LogCapture } from '../../helpers/logs.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A deterministic generator, so a failure can be reproduced. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const PIECES = ['a', 'Z', '0', ' ', '"', '\\', '\\"', '/', '\n', '\r', '\t', '\u0000', '\u001f', '\u007f', 'é', 'ß', '€', '中', '\u2028', '\u2029', '😀', '\ud800', '\udfff', '\udc00x', '\ufeff', '{', '}', ':', ','];

function randomString(next: () => number): string {
  // Mostly short (pino's own escaping), sometimes over 100 units (pino's JSON.stringify path).
  const length = next() < 0.15 ? 90 + Math.floor(next() * 40) : Math.floor(next() * 12);
  let text = '';
  while (text.length < length) text += next() < 0.6 ? 'abcdefghij'.charAt(Math.floor(next() * 10)) : PIECES[Math.floor(next() * PIECES.length)];
  return text;
}

function randomOutcome(next: () => number): RequestOutcome {
  const maybe = <T>(value: () => T): T | undefined => (next() < 0.5 ? value() : undefined);
  const findings: Finding[] = Array.from({ length: Math.floor(next() * 3) }, () => ({
    check: randomString(next),
    reason: randomString(next) as ReasonCode,
    severity: next() < 0.5 ? 'deny' : 'warn',
    ...(next() < 0.7 ? { detail: randomString(next) } : {}),
    ...(next() < 0.2 ? { retryAfterSeconds: 3 } : {}),
  }));
  let facts: RequestFacts | undefined;
  if (next() < 0.5) {
    facts = new RequestFacts();
    if (next() < 0.7) {
      facts.set('token', {
        issuer: randomString(next),
        subject: undefined,
        subjectClaim: undefined,
        kid: undefined,
        jti: maybe(() => randomString(next)),
        scopes: new Set(Array.from({ length: Math.floor(next() * 3) }, () => randomString(next))),
        expiresAt: next() < 0.1 ? Number.NaN : Math.floor(next() * 4e12),
        x5tS256: undefined,
        keyId: 'k',
      });
      if (next() < 0.5) facts.set('scopesUsed', [randomString(next)]);
    }
  }
  const number = (): number => {
    const pick = next();
    if (pick < 0.05) return Number.NaN;
    if (pick < 0.08) return Number.POSITIVE_INFINITY;
    if (pick < 0.1) return 0;
    return next() * (next() < 0.5 ? 0.01 : 100);
  };
  const decisions = ['allow', 'deny', 'would_deny'] as const;
  const aborted = maybe(() => (next() < 0.2 ? '' : randomString(next)));
  const upstream = maybe(() => randomString(next));
  const upstreamSeconds = maybe(number);
  return {
    requestId: randomString(next),
    listener: randomString(next),
    route: randomString(next),
    method: randomString(next),
    path: randomString(next),
    peer: maybe(() => randomString(next)),
    decision: decisions[Math.floor(next() * 3)] as RequestOutcome['decision'],
    reason: randomString(next) as ReasonCode,
    findings,
    status: next() < 0.05 ? Number.NaN : Math.floor(next() * 600),
    durationSeconds: number(),
    ...(upstreamSeconds !== undefined ? { upstreamSeconds } : {}),
    ...(aborted !== undefined ? { aborted } : {}),
    ...(upstream !== undefined ? { upstream } : {}),
    ...(facts ? { facts } : {}),
  };
}

/** The record the Recorder gave pino for a request, before the line was built directly. */
function pinoRecord(outcome: RequestOutcome): Record<string, unknown> {
  const token = tokenInfo(outcome.facts);
  return {
    type: 'request',
    request_id: outcome.requestId,
    listener: outcome.listener,
    peer: outcome.peer ?? null,
    route: outcome.route,
    method: outcome.method,
    path: outcome.path,
    decision: outcome.decision,
    reason: outcome.reason,
    reasons: outcome.findings.map((finding) => ({ check: finding.check, reason: finding.reason, severity: finding.severity, detail: finding.detail })),
    status: outcome.status,
    duration_ms: Math.round(outcome.durationSeconds * 1e6) / 1e3,
    upstream_ms: outcome.upstreamSeconds === undefined ? null : Math.round(outcome.upstreamSeconds * 1e6) / 1e3,
    ...(outcome.aborted ? { aborted: outcome.aborted } : {}),
    ...(outcome.upstream !== undefined ? { upstream: outcome.upstream } : {}),
    ...(token ? { token_info: token } : {}),
  };
}

const TIMES = [0, 999, 1_000, 1_764_606_921_007, 1_764_606_921_010, 1_764_606_921_100, 1_764_606_921_999, -1, -1_001, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_001, 8_639_999_999_999_000];

test('requestLine is the line pino wrote, byte for byte, for thousands of random outcomes', () => {
  // The line pino writes each time (pino writes one line per call).
  const theirs = { line: '', write(chunk: string): boolean { this.line = chunk; return true; } };
  const pino = createLoggers('info', theirs).audit;
  const next = random(15);
  const now = vi.spyOn(Date, 'now');
  const parsed: unknown[] = [];
  for (let i = 0; i < 5_000; i += 1) {
    const outcome = randomOutcome(next);
    const at = i < TIMES.length ? (TIMES[i] as number) : 1_700_000_000_000 + Math.floor(next() * 1e11);
    now.mockReturnValue(at);
    pino.info(pinoRecord(outcome), 'request');
    expect(requestLine(outcome, at)).toBe(theirs.line);
    parsed.push(JSON.parse(theirs.line));
  }
  // Every line is one JSON object.
  expect(parsed).toHaveLength(5_000);
});

test('the Recorder writes that line to the audit logger\'s destination', () => {
  const ours = new LogCapture();
  const theirs = new LogCapture();
  const recorder = new Recorder(new Metrics('test'), createLoggers('info', ours).audit);
  const pino = createLoggers('info', theirs).audit;
  const next = random(16);
  for (let i = 0; i < 500; i += 1) {
    // The Recorder's histograms take finite durations only (what the listeners measure).
    const outcome = { ...randomOutcome(next), durationSeconds: next(), upstreamSeconds: next() };
    vi.spyOn(Date, 'now').mockReturnValue(1_764_606_921_000 + i * 7);
    recorder.request(outcome);
    pino.info(pinoRecord(outcome), 'request');
  }
  expect(ours.raw()).toBe(theirs.raw());
});

test('the line stays in order with the lines other loggers write to the same destination', () => {
  const capture = new LogCapture();
  const { log, audit } = createLoggers('info', capture);
  const recorder = new Recorder(new Metrics('test'), audit);
  const outcome = randomOutcome(random(1));
  log.info('before');
  recorder.request({ ...outcome, requestId: 'r1' });
  audit.info({ type: 'handshake' }, 'between');
  recorder.request({ ...outcome, requestId: 'r2' });
  log.warn('after');
  expect(capture.lines().map((line) => line['request_id'] ?? line['msg'])).toEqual(['before', 'r1', 'between', 'r2', 'after']);
});

test('above info nothing is written; after a level change to info it is', () => {
  const capture = new LogCapture();
  const { audit } = createLoggers('warn', capture);
  const recorder = new Recorder(new Metrics('test'), audit);
  const outcome = randomOutcome(random(2));
  recorder.request(outcome);
  expect(capture.raw()).toBe('');
  audit.level = 'info';
  recorder.request(outcome);
  expect(capture.requests()).toHaveLength(1);
});

test('jsonString gives a JSON literal that parses back to the same string whenever JSON can hold it', () => {
  const next = random(7);
  for (let i = 0; i < 5_000; i += 1) {
    const text = randomString(next);
    const literal = jsonString(text);
    // A lone surrogate in a short string is kept raw, as pino keeps it; it parses back unchanged.
    expect(JSON.parse(literal)).toBe(text);
  }
});

test('isoTime is Date#toISOString for any millisecond, the per-second cache included', () => {
  const next = random(9);
  for (let i = 0; i < 5_000; i += 1) {
    const ms = i < TIMES.length ? (TIMES[i] as number) : Math.floor(next() * 4e12) - 1e12;
    expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    // The same second again, from the cache.
    const again = ms - (((ms % 1000) + 1000) % 1000) + Math.floor(next() * 1000);
    expect(isoTime(again)).toBe(new Date(again).toISOString());
  }
});
