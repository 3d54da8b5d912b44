// Reads a request body once, for a check that needs its digest: bounded by a limit (a declared
// Content-Length above it is refused before a byte is read), hashed while it streams, and kept,
// so the upstream receives exactly the bytes that were digested. Routes that never ask keep
// streaming: nothing here runs unless a check calls read().
import type { IncomingMessage } from 'node:http';
import type { BodyRead, BodyReader } from '../checks/types.js';
import { DigestAccumulator } from '../signatures/digest.js';

export class RequestBody {
  private pending: Promise<BodyRead> | undefined;
  private buffered: Buffer | undefined;

  constructor(private readonly req: IncomingMessage) {}

  /** The buffered body, once a check has read it; undefined while the body is still unread. */
  get bytes(): Buffer | undefined {
    return this.buffered;
  }

  readonly read: BodyReader = (limit, digests) => {
    this.pending ??= this.consume(limit, digests);
    return this.pending;
  };

  private consume(limit: number, digests: ReadonlyArray<'sha-256' | 'sha-512'>): Promise<BodyRead> {
    const req = this.req;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      return Promise.resolve({ ok: false, problem: 'too_large', detail: `Content-Length ${declared} exceeds ${limit} bytes` });
    }
    return new Promise((resolve) => {
      const accumulator = new DigestAccumulator(digests);
      const chunks: Buffer[] = [];
      const done = (result: BodyRead) => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onError);
        req.off('close', onClose);
        resolve(result);
      };
      const onData = (chunk: Buffer) => {
        if (accumulator.bytes + chunk.length > limit) {
          req.pause();
          done({ ok: false, problem: 'too_large', detail: `body exceeds ${limit} bytes` });
          return;
        }
        accumulator.update(chunk);
        chunks.push(chunk);
      };
      const onEnd = () => {
        this.buffered = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        done({ ok: true, bytes: this.buffered, digests: accumulator.digests() });
      };
      const onError = (error: Error) => done({ ok: false, problem: 'incomplete', detail: `body not received: ${(error as { code?: string }).code ?? error.message}` });
      const onClose = () => {
        if (!req.complete) done({ ok: false, problem: 'incomplete', detail: 'the peer closed the connection before the body ended' });
      };
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onError);
      req.on('close', onClose);
    });
  }
}
