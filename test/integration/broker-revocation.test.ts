// Revocation end to end: broker + inbound sidecar (remote JWKS and remote denylist from the
// broker) + app. An admin revokes one token (RFC 7009) and then a role (identity × scope): the
// sidecar refuses the revoked tokens within one denylist refresh, the broker refuses new tokens
// for the revoked scope with invalid_scope, /revoked lists what was revoked until it expires,
// and a non-admin cannot revoke.
import { afterAll, describe, expect, it } from 'vitest';
import { brokerRequest, brokerTokensConfig, getToken, revoke, startBroker, type RunningBroker } from '../helpers/broker.js';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { tokenSidecarOptions } from '../helpers/tokens.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let broker: RunningBroker;
let app: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream: app, sidecar } = started), {
  sidecar: async ({ pki }) => {
    broker = await startBroker(pki, { grants: [{ name: 'frontend-server', identity: IDS.frontend, audiences: [IDS.server], scopes: ['orders:read', 'orders:write'], defaultScopes: ['orders:read'] }] });
    return tokenSidecarOptions(brokerTokensConfig(pki, broker.url, IDS.server));
  },
  hookTimeoutMs: 120_000,
});

afterAll(async () => {
  await broker?.close();
});

async function tokenFor(scope: string): Promise<string> {
  const result = await getToken(pki, broker.url, pki.frontend, { scope });
  if (!result.ok) throw new Error(`refused: ${result.error} ${result.detail}`);
  return result.token.accessToken;
}

const agent = () => mtlsAgent(pki, pki.frontend);
const getOrders = (token: string) => call(`${sidecar.url}/orders/1`, agent(), { headers: { authorization: `Bearer ${token}` } });

describe('revocation', () => {
  it('revokes one token (RFC 7009): the sidecar refuses it within one denylist refresh, others keep working', async () => {
    const doomed = await tokenFor('orders:read');
    const other = await tokenFor('orders:read');
    await until('the sidecar accepts broker tokens', async () => (await getOrders(doomed)).status === 200);
    const answer = await revoke(pki, broker.url, { token: doomed, token_type_hint: 'access_token' });
    expect(answer.status).toBe(200);
    expect(answer.json<{ revoked: string[] }>().revoked).toHaveLength(1);
    const listed = (await brokerRequest(pki, `${broker.url}/revoked`)).json<{ revoked: Array<{ jti: string; exp: number }> }>().revoked;
    expect(listed).toHaveLength(1);
    expect(listed[0]?.exp).toBeGreaterThan(Date.now() / 1000);
    await until('the revoked token is refused', async () => (await getOrders(doomed)).status === 401, 5_000, 50);
    const refused = await getOrders(doomed);
    expect(refused.json()).toMatchObject({ reason: 'token_revoked' });
    expect(refused.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect((await getOrders(other)).status).toBe(200);
  });

  it('revokes a role: new tokens for the scope are refused (invalid_scope), live ones stop at the sidecar, other scopes go on', async () => {
    const writer = await tokenFor('orders:read orders:write');
    const reader = await tokenFor('orders:read');
    expect((await getOrders(writer)).status).toBe(200);
    const answer = await revoke(pki, broker.url, { identity: IDS.frontend, scope: 'orders:write' });
    expect(answer.status).toBe(200);
    expect(answer.json<{ revoked: string[] }>().revoked).toHaveLength(1);
    expect(await getToken(pki, broker.url, pki.frontend, { scope: 'orders:write' })).toMatchObject({ ok: false, error: 'invalid_scope' });
    await until('the live token of the revoked role is refused', async () => (await getOrders(writer)).status === 401, 5_000, 50);
    expect((await getOrders(reader)).status).toBe(200);
    expect((await getToken(pki, broker.url, pki.frontend, { scope: 'orders:read' })).ok).toBe(true);
    const lines = broker.logs.lines();
    expect(lines.filter((line) => line['type'] === 'broker_revocation').map((line) => line['kind'])).toEqual(['token', 'grant']);
    expect(lines.find((line) => line['type'] === 'broker_refusal' && line['error'] === 'invalid_scope')?.['detail']).toContain('revoked');
    expect(await metric(broker.adminUrl, 'palisade_broker_revocations_total', { kind: 'grant' })).toBe(1);
    expect(await metric(broker.adminUrl, 'palisade_broker_revocations_total', { kind: 'token' })).toBe(1);
  });

  it('refuses a revocation by an identity that is not an admin, or without a certificate', async () => {
    const token = await tokenFor('orders:read');
    const byFrontend = await brokerRequest(pki, `${broker.url}/revoke`, { form: { token }, who: pki.frontend });
    expect(byFrontend.status).toBe(403);
    expect(byFrontend.json()['error']).toBe('access_denied');
    const anonymous = await brokerRequest(pki, `${broker.url}/revoke`, { form: { token } });
    expect(anonymous.status).toBe(401);
    expect((await getOrders(token)).status).toBe(200);
    // Someone else's token: nothing to revoke, said plainly (RFC 7009 §2.2 answers 200).
    const foreign = await revoke(pki, broker.url, { token: 'eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJ4In0.c2ln' });
    expect(foreign.status).toBe(200);
    expect(foreign.json()).toEqual({ revoked: [] });
  });
});
