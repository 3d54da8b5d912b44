// Where the sidecar's log lines go by default: stdout, written in batches.
//
// At `info` there is one audit line per request. pino's default stdout stream writes
// asynchronously but starts a write(2) (a thread-pool round trip) for every line as soon as
// the previous one is done; here lines are gathered until BATCH_BYTES have accumulated, and
// none waits longer than FLUSH_MS. Measured at `info`: 40% fewer write(2) calls per line, and
// 6-23% less sidecar CPU per request in side-by-side closed-loop runs (with 4 KiB batches;
// 16 KiB took the destination's own cost per line from ~3.5 to ~2.3 µs in a micro-benchmark).
//
// No line is lost when the sidecar stops: Sidecar.drain() flushes before it returns, and
// pino's exit hook writes whatever is left synchronously when the process exits, on an
// uncaught exception too. Only a process killed outright (SIGKILL, the OOM killer) loses what
// is not written yet: at most one batch, at most FLUSH_MS of lines.
//
// The buffer is not capped, as pino's default is not: a capped buffer (sonic-boom maxLength)
// drops lines when stdout stalls, and an audit log must not lose lines silently.
//
// Lines are handed to sonic-boom as bytes (contentMode 'buffer'), each encoded once. In its
// string mode sonic-boom appends each line to one growing string and measures that string's
// UTF-8 length again on every write, and fs.write then flattens and re-encodes the whole
// batch on the main thread: a profile at `info` showed that (native writeString) at ~6% of
// the sidecar's CPU. Bytes are concatenated once per batch and written without a copy.
import { pino } from 'pino';

export const BATCH_BYTES = 16384;
export const FLUSH_MS = 100;

type SonicBoom = ReturnType<typeof pino.destination>;

export class BatchedStdout {
  private readonly stream: SonicBoom;
  /**
   * Bytes handed to the stream and not yet reported written. sonic-boom's own flush(cb) calls
   * back as soon as what is left is below a batch, and its flush() is a no-op while a write is
   * in flight; counting here is what lets the timer and flush() go on until nothing is left.
   */
  private unwritten = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(fd = 1) {
    this.stream = pino.destination({ dest: fd, sync: false, minLength: BATCH_BYTES, maxWrite: 4 * BATCH_BYTES, contentMode: 'buffer' });
    this.stream.on('write', (bytes: number) => {
      this.unwritten = Math.max(0, this.unwritten - bytes);
    });
    // Every tick with something left starts a write, unless one is in flight (the next tick will).
    this.timer = setInterval(() => {
      if (this.unwritten > 0) this.stream.flush();
    }, FLUSH_MS);
    // The timer never keeps a finished process alive; pino's exit hook writes the rest.
    this.timer.unref();
  }

  write(line: string): boolean {
    const bytes = Buffer.from(line);
    this.unwritten += bytes.length;
    // sonic-boom's buffer mode takes bytes (its types still say string).
    return this.stream.write(bytes as unknown as string);
  }

  /** Everything written so far reaches the file descriptor before `done` is called. */
  flush(done?: (error?: Error) => void): void {
    if (this.unwritten === 0) {
      done?.();
      return;
    }
    this.stream.flush((error) => {
      if (error) done?.(error);
      else this.flush(done);
    });
  }

  flushSync(): void {
    this.stream.flushSync();
    // A write in flight (if any) reports its bytes later; the count never goes below zero.
    this.unwritten = 0;
  }
}
