// Sends one in-path drill copy through a listener's own pool (to the app, or over the egress
// listener's verified mTLS pool to the upstream) and returns its status; the body is drained
// and discarded.
import type { Dispatcher, Pool } from 'undici';
import type { CopyRequest } from '../drills/in-path.js';

export async function sendCopy(pool: Pool, copy: CopyRequest, timeoutMs: number): Promise<number> {
  const response = await pool.request({
    method: copy.method as Dispatcher.HttpMethod,
    path: copy.path,
    headers: copy.headers,
    body: copy.body,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  await response.body.dump();
  return response.statusCode;
}
