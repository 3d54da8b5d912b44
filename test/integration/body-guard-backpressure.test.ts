// The body guard holds only the peer's own slowness against it: when the app is slow to read an
// upload, the sidecar stops reading from the peer (backpressure), and that pause is not a
// dribbling body. A fast 4 MiB upload to an app that reads nothing for 3 s, with an idle limit
// of 1 s and a minimum rate of 100 kB/s, arrives whole with 200.
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  app: (req, res) => {
    // Read nothing for 3 s, then take the whole body and report its size.
    req.pause();
    setTimeout(() => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => res.end(String(bytes)));
      req.resume();
    }, 3_000);
  },
  streaming: true,
  sidecar: {
    listener: { server: { bodyIdleTimeoutMs: 1_000, minBodyBytesPerSecond: 100_000, minBodyRateGraceMs: 500 } },
  },
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
