// Least privilege in report mode (the default): a token granting scopes that no route its
// identity may call can ever require is forwarded, but counted as would_deny
// token_overprivileged and named in the audit line.
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { bearer, issuerKey, jwks, mint, tokensConfig, tokenSidecarOptions, type IssuerKey } from '../helpers/tokens.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let key: IssuerKey;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    key = await issuerKey('k1');
    return tokenSidecarOptions(tokensConfig(pki.write('jwks.json', jwks(key)), { leastPrivilege: 'report' }));
  },
});

test('overprivileged token → forwarded, would_deny token_overprivileged, excess scopes in the audit line', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const lean = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 'orders:read orders:write' })) });
  const fat = await call(`${sidecar.url}/orders/1`, agent, { headers: bearer(await mint(key, { scope: 'orders:read payments:refund users:delete' })) });
  await agent.close();
  expect(lean.status).toBe(200);
  expect(fat.status).toBe(200);
  expect(upstream.received).toHaveLength(2);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { route: 'orders-read', decision: 'allow', reason: 'none' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { route: 'orders-read', decision: 'would_deny', reason: 'token_overprivileged' })).toBe(1);
  const line = sidecar.logs.requests().find((entry) => entry['decision'] === 'would_deny');
  expect(line).toMatchObject({ peer: IDS.frontend, reason: 'token_overprivileged', status: 200 });
  const finding = (line!['reasons'] as Array<Record<string, string>>).find((entry) => entry['reason'] === 'token_overprivileged');
  expect(finding?.['detail']).toContain('payments:refund users:delete');
});
