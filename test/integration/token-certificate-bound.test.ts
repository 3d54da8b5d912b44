// RFC 8705 certificate-bound tokens: a token whose cnf.x5t#S256 names the presenting client
// certificate passes; the same token presented with another valid client certificate (same
// SPIFFE ID, another key) gets 401 token_binding_mismatch; with binding.required an unbound
// token gets 401 token_not_bound. A stolen token is useless from another workload.
import { X509Certificate, createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { IDS, type CertFiles, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { bearer, issuerKey, jwks, mint, tokensConfig, tokenSidecarOptions, type IssuerKey } from '../helpers/tokens.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let key: IssuerKey;
let twin: CertFiles;

const thumbprint = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url');

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    key = await issuerKey('k1');
    twin = await pki.issue('frontend-twin', { uris: [IDS.frontend] });
    return tokenSidecarOptions(tokensConfig(pki.write('jwks.json', jwks(key)), { binding: { required: true } }));
  },
});

async function outcome(who: CertFiles, token: string): Promise<string> {
  const agent = mtlsAgent(pki, who);
  try {
    const response = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(token) });
    return response.status === 200 ? 'ok' : `${response.status} ${String(response.json()['reason'])}`;
  } finally {
    await agent.close();
  }
}

test('bound token from its certificate → 200; from another valid certificate → 401 token_binding_mismatch', async () => {
  const bound = await mint(key, { scope: 'orders:read', cnf: { 'x5t#S256': thumbprint(pki.frontend.certPem) } });
  expect(await outcome(pki.frontend, bound)).toBe('ok');
  expect(await outcome(twin, bound)).toBe('401 token_binding_mismatch');
  // The same token again from the right certificate: the verified-token cache is keyed by certificate too.
  expect(await outcome(pki.frontend, bound)).toBe('ok');
  expect(await outcome(twin, bound)).toBe('401 token_binding_mismatch');
});

test('binding required: an unbound token → 401 token_not_bound', async () => {
  expect(await outcome(pki.frontend, await mint(key, { scope: 'orders:read' }))).toBe('401 token_not_bound');
});
