// A client certificate marked basicConstraints CA:true (a CA key used as a workload identity)
// is refused: 403 cert_is_ca.
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started));

test('CA:true leaf → 403 cert_is_ca', async () => {
  const ca = await pki.issue('ca-leaf', { uris: [IDS.frontend], isCa: true });
  const agent = mtlsAgent(pki, ca);
  const response = await call(`${sidecar.url}/public/x`, agent);
  await agent.close();
  expect(response.status).toBe(403);
  expect(response.json()['reason']).toBe('cert_is_ca');
  expect(upstream.received).toHaveLength(0);
});
