// The body guard holds only the peer's own slowness against it: when the app is slow to read an
// upload, the sidecar stops reading from the peer (backpressure), and that pause is not a
// dribbling body. A fast 4 MiB upload to an app that reads nothing for 3 s, with an idle limit
// of 1 s and a minimum rate of 100 kB/s, arrives whole with 200.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream(
    (req, res) => {
      // Read nothing for 3 s, then take the whole body and report its size.
      req.pause();
      setTimeout(() => {
        let bytes = 0;
        req.on('data', (chunk: Buffer) => (bytes += chunk.length));
        req.on('end', () => res.end(String(bytes)));
        req.resume();
      }, 3_000);
    },
    { streaming: true },
  );
  sidecar = await startSidecar(pki, {
    upstreamUrl: upstream.url,
    listener: { server: { bodyIdleTimeoutMs: 1_000, minBodyBytesPerSecond: 100_000, minBodyRateGraceMs: 500 } },
  });
});

afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('an app slow to read an upload does not get the peer cut with 408', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const body = Buffer.alloc(4 * 1024 * 1024, 0x61);
  const response = await call(`${sidecar.url}/api/upload`, agent, { method: 'POST', body });
  await agent.close();
  expect(response.status).toBe(200);
  expect(response.text).toBe(String(body.length));
  expect(sidecar.logs.requests()[0]).toMatchObject({ status: 200, reason: 'none' });
}, 30_000);
