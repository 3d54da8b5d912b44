// A certificate that chains to the trust bundle but carries two SPIFFE IDs, or a malformed
// one, names no identity: 403 bad_spiffe_id, even for a route that allows any peer.
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

test.each([
  ['two SPIFFE IDs', [IDS.frontend, 'spiffe://test.palisade.local/ns/ops/sa/admin']],
  ['a trailing slash', [`${IDS.frontend}/`]],
  ['upper-case scheme', [IDS.frontend.replace('spiffe', 'SPIFFE')]],
  ['an encoded slash', ['spiffe://test.palisade.local/ns%2Fapp/sa/frontend']],
  ['no SPIFFE ID at all', []],
])('%s → 403 bad_spiffe_id', async (name, uris) => {
  const cert = await pki.issue(name.replace(/\W+/g, '-'), { uris, dnsNames: ['frontend.local'] });
  const agent = mtlsAgent(pki, cert);
  const response = await call(`${sidecar.url}/public/x`, agent);
  await agent.close();
  expect(response.status).toBe(403);
  expect(response.json()['reason']).toBe('bad_spiffe_id');
  expect(upstream.received).toHaveLength(0);
});
