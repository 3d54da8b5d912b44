// `palisade run` watches the token files a config names: a rewritten JWKS file (a new key) and
// a rewritten jti denylist take effect without a restart, and a broken JWKS file is refused by
// the reload, which keeps the running keys.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { startCli, type LongRunning } from '../helpers/cli.js';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { sidecarConfig } from '../helpers/sidecar.js';
import { bearer, issuerKey, jwks, mint, TOKEN_ROUTES, tokensConfig, type IssuerKey } from '../helpers/tokens.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let cli: LongRunning;
let url: string;
let adminUrl: string;
let k1: IssuerKey;
let k2: IssuerKey;
let jwksPath: string;
let denylistPath: string;

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  [k1, k2] = await Promise.all([issuerKey('k1'), issuerKey('k2')]);
  jwksPath = pki.write('jwks.json', jwks(k1));
  denylistPath = pki.write('denylist.txt', '');
  const configPath = join(pki.dir, 'palisade.yaml');
  const config = sidecarConfig(pki, {
    upstreamUrl: upstream.url,
    routes: TOKEN_ROUTES,
    listener: { tokens: tokensConfig(jwksPath, { denylist: denylistPath }) },
    top: { reload: { watchFiles: true, debounceMs: 50 } },
  });
  writeFileSync(configPath, stringify(config));
  cli = startCli(['run', '-c', configPath]);
  const started = await cli.waitFor(/^.*"palisade started".*$/m);
  const line = JSON.parse(started[0]) as { inbound: { app: { port: number } }; admin: string };
  url = `https://localhost:${line.inbound.app.port}`;
  adminUrl = `http://${line.admin}`;
});
afterAll(async () => {
  cli?.kill();
  await upstream?.close();
  pki?.cleanup();
});

async function reason(token: string): Promise<string> {
  const agent = mtlsAgent(pki, pki.frontend);
  try {
    const response = await call(`${url}/orders/1`, agent, { headers: bearer(token) });
    return response.status === 200 ? 'ok' : String(response.json()['reason']);
  } finally {
    await agent.close();
  }
}

const reloads = (result: string) => metric(adminUrl, 'palisade_config_reloads_total', { result });

test('JWKS and denylist files reload on change; a broken JWKS keeps the running keys', async () => {
  const byK2 = await mint(k2, { scope: 'orders:read', jti: 'j-2' });
  const byK1 = await mint(k1, { scope: 'orders:read', jti: 'j-1' });
  expect(await reason(byK1)).toBe('ok');
  expect(await reason(byK2)).toBe('token_invalid');

  writeFileSync(jwksPath, jwks(k1, k2));
  await until('the JWKS reload', async () => (await reloads('success')) >= 1);
  expect(await reason(byK2)).toBe('ok');

  writeFileSync(denylistPath, 'j-2\n');
  await until('the denylist reload', async () => (await reloads('success')) >= 2);
  expect(await reason(byK2)).toBe('token_revoked');
  expect(await reason(byK1)).toBe('ok');

  writeFileSync(jwksPath, '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}');
  await until('the refused reload', async () => (await reloads('error')) >= 1);
  await until('the reload error log line', async () => cli.stdout().includes('config reload failed'));
  expect(cli.stdout()).toContain('inbound[0].tokens.issuers[0].jwks: keys[0]: kty \\"oct\\" is not a public signing key type');
  expect(await reason(byK1)).toBe('ok');
});
