// tokens.subject.matchPeer: the token's subject must name the mTLS peer, directly (its SPIFFE ID)
// or through tokens.subject.map; a token issued to one workload and replayed by another that
// is allowed on the route gets 401 token_binding_mismatch.
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { IDS, type CertFiles, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { bearer, issuerKey, jwks, mint, tokenSidecarOptions, tokensConfig, type IssuerKey } from '../helpers/tokens.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let key: IssuerKey;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    key = await issuerKey('k1');
    return tokenSidecarOptions(tokensConfig(pki.write('jwks.json', jwks(key)), { leastPrivilege: 'off', subject: { claim: 'sub', matchPeer: true, map: { 'client-frontend': IDS.frontend } } }));
  },
});

async function outcome(who: CertFiles, token: string): Promise<string> {
  const agent = mtlsAgent(pki, who);
  try {
    const response = await call(`${sidecar.url}/api/x`, agent, { headers: bearer(token) });
    return response.status === 200 ? 'ok' : `${response.status} ${String(response.json()['reason'])}`;
  } finally {
    await agent.close();
  }
}

test('sub must name the peer, directly or through the map', async () => {
  expect(await outcome(pki.frontend, await mint(key, { sub: IDS.frontend }))).toBe('ok');
  expect(await outcome(pki.frontend, await mint(key, { sub: 'client-frontend' }))).toBe('ok');
  // The intruder may call /api/** but presents the frontend's token.
  expect(await outcome(pki.intruder, await mint(key, { sub: IDS.frontend }))).toBe('401 token_binding_mismatch');
  expect(await outcome(pki.intruder, await mint(key, { sub: 'client-frontend' }))).toBe('401 token_binding_mismatch');
  expect(await outcome(pki.frontend, await mint(key, { sub: undefined }))).toBe('401 token_binding_mismatch');
});
