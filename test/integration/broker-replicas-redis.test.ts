// Two broker processes (one in this process, one `palisade broker` child) on one real Redis (redis-server, Debian package): a
// role revoked through one replica is refused by the other, a token revoked through one is on
// the other's /revoked, tokens from either verify with either's JWKS (shared key directory),
// and with Redis gone a replica refuses (server_error) instead of granting what it cannot record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BROKER_ISSUER, OPS_ID, brokerRequest, getToken, revoke, startBroker, type RunningBroker } from '../helpers/broker.js';
import { startCli, type LongRunning } from '../helpers/cli.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { HAVE_REDIS, startRedis, type RunningRedis } from '../helpers/redis.js';

const GRANTS = [{ name: 'frontend-orders', identity: IDS.frontend, audiences: ['orders'], scopes: ['orders:read', 'orders:write'], defaultScopes: ['orders:read'] }];
const skip = !HAVE_REDIS && !process.env['CI'];
if (skip) console.warn('redis-server not installed: skipping the replicated broker store test (CI installs it)');

let pki: TestPki;
let redis: RunningRedis;
let a: RunningBroker;
let b: { url: string };
let child: LongRunning;

beforeAll(async () => {
  if (skip) return;
  pki = await makePki();
  redis = await startRedis();
  const shared = { store: redis.url, keys: { dir: 'shared-keys' } };
  a = await startBroker(pki, { name: 'a', grants: GRANTS, config: shared });
  const config = pki.write(
    'b-broker.yaml',
    stringify({
      issuer: BROKER_ISSUER,
      listen: { address: '127.0.0.1', port: 0 },
      admin: { address: '127.0.0.1', port: 0 },
      tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath },
      keys: { dir: 'shared-keys' },
      grants: a.grantsPath,
      admins: [OPS_ID],
      store: redis.url,
    }),
  );
  child = startCli(['broker', '-c', config]);
  const started = await child.waitFor(/"listen":"127\.0\.0\.1:(\d+)"/, 90_000);
  b = { url: `https://127.0.0.1:${started[1] as string}` };
}, 120_000);

afterAll(async () => {
  await a?.close();
  child?.kill();
  await redis?.stop();
  pki?.cleanup();
});

const revokedAt = async (broker: { url: string }) => (await brokerRequest(pki, `${broker.url}/revoked`)).json<{ revoked: Array<{ jti: string }> }>().revoked.map((entry) => entry.jti);

describe.skipIf(skip)('replicated broker store (Redis)', () => {
  it('a revocation made on one replica is refused by the other', async () => {
    const fromA = await getToken(pki, a.url, pki.frontend, { scope: 'orders:read orders:write' });
    const fromB = await getToken(pki, b.url, pki.frontend, { scope: 'orders:read' });
    expect(fromA.ok && fromB.ok).toBe(true);
    if (!fromA.ok || !fromB.ok) return;

    // One token, revoked through B, listed by A.
    expect((await revoke(pki, b.url, { token: fromB.token.accessToken })).json<{ revoked: string[] }>().revoked).toHaveLength(1);
    expect(await revokedAt(a)).toHaveLength(1);

    // A role, revoked through A: B refuses it, and the live token A issued is on B's list.
    const answer = await revoke(pki, a.url, { identity: IDS.frontend, scope: 'orders:write' });
    expect(answer.json<{ revoked: string[] }>().revoked).toHaveLength(1);
    expect(await getToken(pki, b.url, pki.frontend, { scope: 'orders:write' })).toMatchObject({ ok: false, error: 'invalid_scope' });
    expect(await getToken(pki, a.url, pki.frontend, { scope: 'orders:write' })).toMatchObject({ ok: false, error: 'invalid_scope' });
    expect((await revokedAt(b)).sort()).toEqual((await revokedAt(a)).sort());
    expect(await revokedAt(b)).toHaveLength(2);
    expect((await getToken(pki, b.url, pki.frontend, { scope: 'orders:read' })).ok).toBe(true);

    // Both replicas sign with the shared key directory: one JWKS serves both.
    const jwksA = (await brokerRequest(pki, `${a.url}/.well-known/jwks.json`)).json<{ keys: Array<{ kid: string }> }>().keys.map((key) => key.kid);
    const jwksB = (await brokerRequest(pki, `${b.url}/.well-known/jwks.json`)).json<{ keys: Array<{ kid: string }> }>().keys.map((key) => key.kid);
    expect(jwksA).toEqual(jwksB);
  });

  it('with Redis gone, a replica refuses with server_error rather than grant what it cannot record', async () => {
    await redis.stop();
    const refused = await getToken(pki, a.url, pki.frontend);
    expect(refused).toMatchObject({ ok: false, status: 500, error: 'server_error' });
    expect(a.logs.raw()).not.toContain('password');
  });
});
