// No token value reaches any log line: valid, expired, forged and malformed tokens planted in
// allowed, denied and refused requests (and in a custom token header) never appear in the
// output, at debug level, in whole or in part.
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import type { TestPki } from '../helpers/pki.js';
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
    return tokenSidecarOptions(tokensConfig(pki.write('jwks.json', jwks(key)), { header: 'x-service-token' }), { top: { log: { level: 'debug' } } });
  },
});

test('planted tokens never appear in the log output', async () => {
  const forger = await issuerKey('k1');
  const planted = {
    valid: await mint(key, { scope: 'orders:read', jti: 'PLANTED-JTI-valid' }),
    overScoped: await mint(key, { scope: 'orders:read PLANTED-SCOPE-secretish', sub: 'PLANTED-SUB' }),
    expired: await mint(key, { scope: 'orders:read', exp: Math.floor(Date.now() / 1000) - 600, iat: Math.floor(Date.now() / 1000) - 900 }),
    forged: await mint(forger, { scope: 'orders:read' }),
    malformed: 'eyJhbGciOiJFUzI1NiJ9.PLANTED-MALFORMED-TOKEN.c2ln',
  };
  const agent = mtlsAgent(pki, pki.frontend);
  const intruder = mtlsAgent(pki, pki.intruder);
  const statuses: number[] = [];
  for (const token of Object.values(planted)) {
    const headers = { 'x-service-token': `Bearer ${token}`, ...bearer(token) };
    statuses.push((await call(`${sidecar.url}/orders/1?access_token=${token}`, agent, { headers })).status);
    statuses.push((await call(`${sidecar.url}/orders/1`, intruder, { headers })).status);
    statuses.push((await call(`${sidecar.url}/orders%2f1`, agent, { headers })).status);
  }
  await agent.close();
  await intruder.close();
  expect(statuses.filter((status) => status === 200).length).toBe(2);
  expect(statuses).toContain(401);

  const output = sidecar.logs.raw();
  expect(sidecar.logs.requests().length).toBe(statuses.length);
  for (const [name, token] of Object.entries(planted)) {
    expect(output, name).not.toContain(token);
    for (const part of token.split('.')) if (part.length >= 8) expect(output, `${name} part`).not.toContain(part);
  }
  expect(output).not.toContain('PLANTED-JTI');
  expect(output).not.toContain('PLANTED-MALFORMED');
});
