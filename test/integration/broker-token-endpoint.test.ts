// The broker's token endpoint over real mTLS: a granted token is an RFC 9068 JWT bound to the
// presenting certificate and verifies against the broker's published JWKS; every refusal is
// the right OAuth error, counted and audited; the metadata says what RFC 8414 asks.
import { X509Certificate, createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { BROKER_ISSUER, ORDERS_AUDIENCE, brokerRequest, getToken, withBroker, type RunningBroker } from '../helpers/broker.js';
import { IDS, type TestPki } from '../helpers/pki.js';

let pki: TestPki;
let broker: RunningBroker;

withBroker((started) => ({ pki, broker } = started));

describe('broker POST /token', () => {
  it('grants an at+jwt bound to the client certificate that verifies against /.well-known/jwks.json', async () => {
    const result = await getToken(pki, broker.url, pki.frontend, { scope: 'orders:read orders:write', audience: ORDERS_AUDIENCE, clientId: IDS.frontend });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.token.raw['token_type']).toBe('Bearer');
    expect(result.token.raw['expires_in']).toBe(300);
    expect(result.token.scope).toBe('orders:read orders:write');
    const jwks = await brokerRequest(pki, `${broker.url}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    const keys = jwks.json<{ keys: Array<Record<string, unknown>> }>().keys;
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toHaveProperty('d');
    const { payload, protectedHeader } = await jwtVerify(result.token.accessToken, createLocalJWKSet({ keys: keys as never }), { issuer: BROKER_ISSUER, audience: ORDERS_AUDIENCE, typ: 'at+jwt' });
    expect(protectedHeader.alg).toBe('ES256');
    expect(protectedHeader.kid).toBe(keys[0]?.['kid']);
    expect(payload.sub).toBe(IDS.frontend);
    expect(payload['client_id']).toBe(IDS.frontend);
    expect(payload['scope']).toBe('orders:read orders:write');
    expect(typeof payload.jti).toBe('string');
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
    const thumbprint = createHash('sha256').update(new X509Certificate(pki.frontend.certPem).raw).digest('base64url');
    expect(payload['cnf']).toEqual({ 'x5t#S256': thumbprint });
  });

  it('no scope asked means the grant minimum (defaultScopes), not its maximum', async () => {
    const result = await getToken(pki, broker.url, pki.frontend);
    expect(result.ok && result.token.scope).toBe('orders:read');
  });

  it('refuses a scope outside the grant with invalid_scope, never trimming it', async () => {
    const result = await getToken(pki, broker.url, pki.frontend, { scope: 'orders:read orders:admin' });
    expect(result).toMatchObject({ ok: false, status: 400, error: 'invalid_scope' });
  });

  it('refuses an identity no grant names, an unknown audience, a client_id that is not the certificate, and no certificate', async () => {
    expect(await getToken(pki, broker.url, pki.intruder)).toMatchObject({ ok: false, error: 'unauthorized_client' });
    expect(await getToken(pki, broker.url, pki.frontend, { audience: 'spiffe://test.palisade.local/ns/x/sa/y' })).toMatchObject({ ok: false, error: 'invalid_target' });
    expect(await getToken(pki, broker.url, pki.frontend, { clientId: IDS.intruder })).toMatchObject({ ok: false, status: 401, error: 'invalid_client' });
    const anonymous = await brokerRequest(pki, `${broker.url}/token`, { form: { grant_type: 'client_credentials' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json()['error']).toBe('invalid_client');
    const wrongGrant = await brokerRequest(pki, `${broker.url}/token`, { form: { grant_type: 'password' }, who: pki.frontend });
    expect(wrongGrant.json()['error']).toBe('unsupported_grant_type');
    const repeated = await brokerRequest(pki, `${broker.url}/token`, { form: { grant_type: 'client_credentials', scope: ['orders:read', 'orders:write'] }, who: pki.frontend });
    expect(repeated.json()['error']).toBe('invalid_request');
    const notForm = await brokerRequest(pki, `${broker.url}/token`, { body: '{"grant_type":"client_credentials"}', contentType: 'application/json', who: pki.frontend });
    expect(notForm.json()['error']).toBe('invalid_request');
  });

  it('publishes RFC 8414 metadata with certificate-bound tokens', async () => {
    const answer = await brokerRequest(pki, `${broker.url}/.well-known/oauth-authorization-server`);
    expect(answer.json()).toMatchObject({
      issuer: BROKER_ISSUER,
      token_endpoint: `${BROKER_ISSUER}/token`,
      jwks_uri: `${BROKER_ISSUER}/.well-known/jwks.json`,
      revocation_endpoint: `${BROKER_ISSUER}/revoke`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['tls_client_auth'],
      tls_client_certificate_bound_access_tokens: true,
    });
  });

  it('audits every grant and refusal, counts them by grant name, and never logs a token or key', async () => {
    const lines = broker.logs.lines();
    const grants = lines.filter((line) => line['type'] === 'broker_grant');
    expect(grants.length).toBeGreaterThanOrEqual(2);
    expect(grants[0]).toMatchObject({ client: 'frontend-orders', sub: IDS.frontend, aud: ORDERS_AUDIENCE, scopes: ['orders:read', 'orders:write'] });
    expect(grants[0]).toHaveProperty('jti');
    expect(grants[0]).toHaveProperty('x5t');
    const refusals = lines.filter((line) => line['type'] === 'broker_refusal').map((line) => line['error']);
    expect(refusals).toEqual(expect.arrayContaining(['invalid_scope', 'unauthorized_client', 'invalid_target', 'invalid_client', 'unsupported_grant_type', 'invalid_request']));
    const metrics = await (await fetch(`${broker.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/palisade_broker_grants_total\{client="frontend-orders",result="granted",reason="none"\} [2-9]/);
    expect(metrics).toMatch(/palisade_broker_grants_total\{client="frontend-orders",result="refused",reason="invalid_scope"\} 1/);
    expect(metrics).toMatch(/palisade_broker_grants_total\{client="none",result="refused",reason="unauthorized_client"\} 1/);
    expect(metrics).toMatch(/palisade_broker_key_age_seconds \d/);

    // Keys at rest: 0600 files in a 0700 directory; neither the private scalar nor a token is ever logged.
    expect(statSync(broker.keysDir).mode & 0o777).toBe(0o700);
    const files = readdirSync(broker.keysDir).filter((name) => name.endsWith('.json'));
    expect(files).toHaveLength(1);
    const file = join(broker.keysDir, files[0] as string);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secret = (JSON.parse(readFileSync(file, 'utf8')) as { privateJwk: { d: string } }).privateJwk.d;
    expect(broker.logs.raw()).not.toContain(secret);
    const token = await getToken(pki, broker.url, pki.frontend);
    if (!token.ok) throw new Error('no token');
    expect(broker.logs.raw()).not.toContain(token.token.accessToken);
    expect(broker.logs.raw()).not.toContain(token.token.accessToken.split('.')[2]);
    expect(decodeProtectedHeader(token.token.accessToken).typ).toBe('at+jwt');
  });
});
