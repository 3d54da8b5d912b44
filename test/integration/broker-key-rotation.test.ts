// Broker keys: a rotated-in key is published before it signs (keys.prepublish), then signs new
// tokens while the previous key stays published (its tokens still verify); `palisade broker keys rotate` run beside a live broker is picked
// up from the key directory; disabling a key removes it from the JWKS at once and a new key
// takes over; every change is an audit line; automatic rotation (keys.rotateEvery) happens.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { BROKER_ISSUER, ORDERS_AUDIENCE, brokerRequest, getToken, startBroker, withBroker, type RunningBroker } from '../helpers/broker.js';
import { runCli } from '../helpers/cli.js';
import { type TestPki } from '../helpers/pki.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let broker: RunningBroker;

withBroker((started) => ({ pki, broker } = started));

async function jwks(): Promise<Array<{ kid: string }>> {
  return (await brokerRequest(pki, `${broker.url}/.well-known/jwks.json`)).json<{ keys: Array<{ kid: string }> }>().keys;
}

async function tokenKid(): Promise<{ token: string; kid: string }> {
  const result = await getToken(pki, broker.url, pki.frontend);
  if (!result.ok) throw new Error(`token refused: ${result.error}`);
  return { token: result.token.accessToken, kid: decodeProtectedHeader(result.token.accessToken).kid as string };
}

describe('broker keys', () => {
  it('rotation publishes the new key before it signs, then keeps the previous key published until its tokens expire', async () => {
    const before = await tokenKid();
    const next = await broker.broker.rotate('test');
    expect((await jwks()).map((key) => key.kid)).toEqual([next, before.kid]);
    // Published, not yet signing: sidecars' caches get it first.
    expect((await tokenKid()).kid).toBe(before.kid);
    await until('the new key signs', async () => (await tokenKid()).kid === next);
    const after = await tokenKid();
    const keys = await jwks();
    expect(keys.map((key) => key.kid)).toEqual([next, before.kid]);
    const set = createLocalJWKSet({ keys: keys as never });
    await expect(jwtVerify(before.token, set, { issuer: BROKER_ISSUER, audience: ORDERS_AUDIENCE })).resolves.toBeTruthy();
    await expect(jwtVerify(after.token, set, { issuer: BROKER_ISSUER, audience: ORDERS_AUDIENCE })).resolves.toBeTruthy();
    for (const name of readdirSync(broker.keysDir)) expect(statSync(join(broker.keysDir, name)).mode & 0o777).toBe(0o600);
  });

  it('`palisade broker keys rotate` beside the running broker is picked up from the key directory', async () => {
    const config = pki.write(
      'cli-broker.yaml',
      stringify({ issuer: BROKER_ISSUER, tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath }, keys: { dir: broker.keysDir }, grants: broker.grantsPath, store: 'file:cli-state.jsonl' }),
    );
    const result = await runCli(['broker', 'keys', 'rotate', '-c', config, '--now'], { timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(0);
    const kid = /new key (\S+?),/.exec(result.stdout)?.[1] as string;
    expect(kid).toBeTruthy();
    await until('the broker signs with the key rotated on disk', async () => (await tokenKid()).kid === kid);
  }, 120_000);

  it('disabling the current key removes it from the JWKS at once and a new key signs', async () => {
    const current = (await tokenKid()).kid;
    await broker.broker.disableKey(current, 'test');
    const kids = (await jwks()).map((key) => key.kid);
    expect(kids).not.toContain(current);
    const after = await tokenKid();
    expect(after.kid).not.toBe(current);
    expect(kids[0]).toBe(after.kid);
    const events = broker.logs.lines().filter((line) => line['type'] === 'broker_key');
    expect(events.map((line) => line['event'])).toEqual(['rotated', 'disabled']);
    expect(events[1]).toMatchObject({ kid: current, next: after.kid });
  });

  it('rotates by itself every keys.rotateEvery', async () => {
    const auto = await startBroker(pki, { name: 'auto', config: { keys: { dir: 'auto-keys', rotateEvery: '2s', prepublish: '1s' } } });
    try {
      const first = (await auto.broker.keys.jwks()).keys[0]?.kid;
      await until('an automatic rotation', async () => (await auto.broker.keys.jwks()).keys[0]?.kid !== first, 10_000);
      expect(auto.logs.lines().some((line) => line['type'] === 'broker_key' && line['trigger'] === 'schedule')).toBe(true);
    } finally {
      await auto.close();
    }
  });
});
