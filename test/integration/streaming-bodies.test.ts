// Request and response bodies stream through the sidecar intact: a 4 MiB random POST body
// reaches the app byte for byte and comes back byte for byte, and a chunked request body
// (no content-length) arrives whole.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { expect, test } from 'vitest';
import { request } from 'undici';
import { mtlsAgent } from '../helpers/client.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

interface Seen {
  readonly sha256: string;
  readonly bytes: number;
  readonly headers: Record<string, string | string[] | undefined>;
}

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
const seen: Seen[] = [];

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  // Echoes the body back as it arrives (chunked response), hashing what it received.
  app: (req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      res.write(chunk);
    });
    req.on('end', () => {
      seen.push({ sha256: hash.digest('hex'), bytes, headers: req.headers });
      res.end();
    });
  },
  streaming: true,
});

test('a 4 MiB body streams to the app and back intact', async () => {
  const body = randomBytes(4 * 1024 * 1024);
  const agent = mtlsAgent(pki, pki.frontend);
  const response = await request(`${sidecar.url}/api/upload`, { dispatcher: agent, method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } });
  const received = Buffer.from(await response.body.arrayBuffer());
  await agent.close();

  expect(response.statusCode).toBe(200);
  expect(seen).toHaveLength(1);
  expect(seen[0]).toMatchObject({ sha256: sha256(body), bytes: body.length });
  expect(seen[0]?.headers['content-length']).toBe(String(body.length));
  expect(received.length).toBe(body.length);
  expect(sha256(received)).toBe(sha256(body));
  expect(sidecar.logs.requests().at(-1)).toMatchObject({ path: '/api/upload', status: 200, reason: 'none' });
});

test('a chunked request body without content-length arrives intact', async () => {
  const chunks = Array.from({ length: 64 }, (_, i) => randomBytes(1024 + i * 37));
  const whole = Buffer.concat(chunks);
  const before = seen.length;
  const agent = mtlsAgent(pki, pki.frontend);
  async function* generate() {
    for (const chunk of chunks) {
      yield chunk;
      // Let each chunk go out on its own rather than coalescing into one write.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const response = await request(`${sidecar.url}/api/chunked`, { dispatcher: agent, method: 'PUT', body: Readable.from(generate()) });
  const received = Buffer.from(await response.body.arrayBuffer());
  await agent.close();

  expect(response.statusCode).toBe(200);
  expect(seen).toHaveLength(before + 1);
  const app = seen[before]!;
  expect(app.headers['content-length']).toBeUndefined();
  expect(app.headers['transfer-encoding']).toBe('chunked');
  expect(app).toMatchObject({ sha256: sha256(whole), bytes: whole.length });
  expect(sha256(received)).toBe(sha256(whole));
});
