// One bounded HTTPS GET for the key and revocation material the sidecar reads from elsewhere
// (a remote JWKS, a broker's revocation list): the server verified against `ca` only (never the
// system store), no redirects followed, no connection kept, a timeout on the whole exchange and
// a size limit on the body, so a slow or hostile endpoint costs at most timeoutMs and maxBytes.
import { request, Agent } from 'node:https';

export interface BoundedFetch {
  readonly url: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** The Accept header. */
  readonly accept: string;
}

/** The body of a 200 answer as UTF-8; anything else (status, size, time, TLS) rejects with why. */
export function fetchBounded(options: BoundedFetch, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const agent = new Agent({ ca, keepAlive: false, maxCachedSessions: 0 });
    let settled = false;
    const finish = (error: Error | undefined, text?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      agent.destroy();
      if (error) reject(error);
      else resolve(text ?? '');
    };
    const req = request(options.url, { method: 'GET', agent, headers: { accept: options.accept } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        finish(new Error(`HTTP ${res.statusCode ?? '?'}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          req.destroy();
          finish(new Error(`response larger than ${options.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => finish(undefined, Buffer.concat(chunks).toString('utf8')));
      res.on('error', (error) => finish(error));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(new Error(`timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    timer.unref();
    req.on('error', (error: Error & { code?: string }) => finish(new Error(error.code ?? error.message)));
    req.end();
  });
}
