// The structured logger: pino, JSON lines, with secrets redacted wherever a header object or
// token could end up. A test plants secrets in every one of these places and greps the output.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { BatchedStdout } from './log-destination.js';

export type { Logger };

const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'signature', 'signature-input', 'x-api-key'];

export const REDACT_PATHS = [
  ...SECRET_HEADERS.flatMap((name) => [`headers["${name}"]`, `*.headers["${name}"]`]),
  'token',
  '*.token',
  'privateKey',
  '*.privateKey',
  'key',
  '*.key',
];

export interface Loggers {
  /** Lifecycle, reload and error lines. Redacts secret fields wherever a header object could appear. */
  readonly log: Logger;
  /**
   * One line per request and per refused handshake. Its records are built field by field from
   * values that are never secret (ids, route, decision, reasons, a query-less path), so it skips
   * redaction: checking the redact paths on every line cost ~12% of the sidecar's CPU.
   * test/integration/log-redaction.test.ts plants secrets and searches all output.
   */
  readonly audit: Logger;
}

/** Bound into every line after level and time (request-line.ts writes the same text itself). */
export const LOG_BASE: Readonly<Record<string, string>> = { service: 'palisade' };

/**
 * The stream a logger writes its lines to. The request audit line is built without pino
 * (request-line.ts) and written here, to the same stream, so it stays in order with every
 * other line.
 */
export function destinationOf(logger: Logger): DestinationStream {
  return (logger as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym] as DestinationStream;
}

export function createLoggers(level: LevelWithSilent, destination?: DestinationStream): Loggers {
  const options = {
    level,
    base: { ...LOG_BASE },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  // Default: stdout in batches (log-destination.ts); Sidecar.drain() flushes it.
  const audit = pino(options, destination ?? new BatchedStdout());
  const log = audit.child({}, { redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
  return { log, audit };
}
