// A client certificate marked basicConstraints CA:true (a CA key used as a workload identity)
// is refused: 403 cert_is_ca.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  sidecar = await startSidecar(pki, { upstreamUrl: upstream.url });
});
afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('CA:true leaf → 403 cert_is_ca', async () => {
  const ca = await pki.issue('ca-leaf', { uris: [IDS.frontend], isCa: true });
  const agent = mtlsAgent(pki, ca);
  const response = await call(`${sidecar.url}/public/x`, agent);
  await agent.close();
  expect(response.status).toBe(403);
  expect(response.json()['reason']).toBe('cert_is_ca');
  expect(upstream.received).toHaveLength(0);
});
