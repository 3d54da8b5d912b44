// New connection per request: every request is a full TLS handshake (no session resumption:
// the client never offers a session or ticket) with a client certificate, one GET with
// `Connection: close`, and the close. What the server side spends per request here is mostly
// the handshake: OpenSSL's key exchange and signature, and the client chain's verification.
// With `resume`, each connection offers the last ticket its worker received instead (a TLS 1.3
// PSK resumption: no certificate sent or verified), and the result counts how many resumed.
import { performance } from 'node:perf_hooks';
import { connect, createSecureContext, type SecureContext } from 'node:tls';
import { summarize, type ClientTls, type LatencySummary } from './load.js';

export interface HandshakeLoadOptions {
  readonly port: number;
  readonly path: string;
  readonly tls: ClientTls;
  /** Connections being set up at once. */
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly maxRequests: number;
  /** Offer the session ticket of the worker's previous connection (resumed handshakes). */
  readonly resume?: boolean;
  readonly onMeasureStart?: () => void;
  readonly onMeasureEnd?: () => void;
}

export interface HandshakeLoadResult {
  readonly requests: number;
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  readonly rps: number;
  readonly latencyMs: LatencySummary;
  readonly firstFailure?: string;
  readonly loadgenCpuMicros: number;
  /** Measured connections the server resumed (0 unless `resume`). */
  readonly resumed: number;
}

interface Answered {
  /** The last session ticket the server sent on this connection, if any. */
  readonly session: Buffer | undefined;
  readonly reused: boolean;
}

function oneRequest(options: HandshakeLoadOptions, secureContext: SecureContext, session: Buffer | undefined): Promise<Answered> {
  return new Promise((resolve, reject) => {
    // One client context for every connection: built per connection (what passing ca/cert/key
    // to connect() does), it costs the load generator more than the handshake itself, and the
    // rate it can offer would then cap what the servers are measured at.
    const socket = connect({ host: '127.0.0.1', port: options.port, secureContext, servername: options.tls.servername, rejectUnauthorized: true, ...(session ? { session } : {}) });
    const chunks: Buffer[] = [];
    let ticket: Buffer | undefined;
    if (options.resume) socket.on('session', (received: Buffer) => (ticket = received));
    const timer = setTimeout(() => socket.destroy(new Error('timed out after 10 s')), 10_000);
    // Read while the TLS handle is open: after the close Node answers null.
    let reused = false;
    socket.once('secureConnect', () => {
      reused = socket.isSessionReused();
      socket.write(`GET ${options.path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      const head = Buffer.concat(chunks).subarray(0, 16).toString('latin1');
      if (/^HTTP\/1\.1 2\d\d /.test(head)) resolve({ session: ticket, reused });
      else reject(new Error(`unexpected answer: ${JSON.stringify(head)}`));
    });
  });
}

export async function runHandshakeLoad(options: HandshakeLoadOptions): Promise<HandshakeLoadResult> {
  const samples = new Float64Array(options.maxRequests);
  let phase: 'warmup' | 'measure' | 'stop' = 'warmup';
  let requests = 0;
  let ok = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  let measureStart = 0;
  let cpuStart: NodeJS.CpuUsage | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  const secureContext = createSecureContext({ ca: options.tls.ca, cert: options.tls.cert, key: options.tls.key });

  let resumed = 0;
  const worker = async () => {
    // A server sends no new ticket on a resumed TLS 1.3 connection (Node) or one (nginx): keep
    // offering the last one received until another arrives.
    let session: Buffer | undefined;
    while (phase !== 'stop') {
      const measured = phase === 'measure';
      if (measured && requests >= options.maxRequests) {
        phase = 'stop';
        break;
      }
      if (measured) requests += 1;
      const started = performance.now();
      try {
        const answered = await oneRequest(options, secureContext, options.resume ? session : undefined);
        session = answered.session ?? session;
        if (measured) {
          samples[ok++] = performance.now() - started;
          if (answered.reused) resumed += 1;
        }
      } catch (error) {
        if (measured) failed += 1;
        firstFailure ??= (error as Error).message;
      }
    }
  };
  const warmupTimer = setTimeout(() => {
    options.onMeasureStart?.();
    cpuStart = process.cpuUsage();
    measureStart = performance.now();
    phase = 'measure';
    stopTimer = setTimeout(() => (phase = 'stop'), options.durationMs);
  }, options.warmupMs);
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    clearTimeout(warmupTimer);
    clearTimeout(stopTimer);
  }
  const seconds = (performance.now() - measureStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  options.onMeasureEnd?.();
  return {
    requests,
    ok,
    failed,
    seconds,
    rps: requests / seconds,
    latencyMs: summarize(samples.subarray(0, ok)),
    ...(firstFailure ? { firstFailure } : {}),
    loadgenCpuMicros: cpu.user + cpu.system,
    resumed,
  };
}
