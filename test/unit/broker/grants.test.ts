import { describe, expect, it } from 'vitest';
import { compileGrants, decideGrant, type Grant } from '../../../src/broker/grants.js';
import { grantFindings } from '../../../src/broker/least-privilege.js';
import { parseSpiffeId } from '../../../src/core/spiffe.js';
import type { PeerIdentity } from '../../../src/core/identity.js';

const FRONTEND = 'spiffe://example.org/ns/shop/sa/frontend';
const ORDERS = 'spiffe://example.org/ns/shop/sa/orders';
const HOUR = 3_600_000;

function identity(id: string): PeerIdentity {
  const parsed = parseSpiffeId(id);
  if (!parsed.ok) throw new Error(parsed.problem);
  return { kind: 'spiffe', value: id, spiffe: parsed.value };
}

function grants(list: unknown[]): readonly Grant[] {
  const result = compileGrants({ grants: list }, HOUR);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.grants;
}

const BASIC = [{ name: 'fe', identity: FRONTEND, audiences: [ORDERS], scopes: ['orders:read', 'orders:write'], defaultScopes: ['orders:read'] }];

describe('grants policy', () => {
  it('grants asked scopes within the grant, and the minimum when none is asked', () => {
    expect(decideGrant(grants(BASIC), { identity: identity(FRONTEND), scope: 'orders:write', audience: undefined })).toMatchObject({ ok: true, scopes: ['orders:write'], audience: ORDERS });
    expect(decideGrant(grants(BASIC), { identity: identity(FRONTEND), scope: undefined, audience: ORDERS })).toMatchObject({ ok: true, scopes: ['orders:read'] });
  });

  it('refuses (never trims) a scope outside the grant, a malformed scope list, and no scope without defaultScopes', () => {
    expect(decideGrant(grants(BASIC), { identity: identity(FRONTEND), scope: 'orders:read orders:admin', audience: undefined })).toMatchObject({ ok: false, error: 'invalid_scope', detail: 'not granted: orders:admin' });
    expect(decideGrant(grants(BASIC), { identity: identity(FRONTEND), scope: 'orders:read  orders:write', audience: undefined })).toMatchObject({ ok: false, error: 'invalid_scope' });
    const noDefault = grants([{ ...BASIC[0], defaultScopes: [] }]);
    expect(decideGrant(noDefault, { identity: identity(FRONTEND), scope: undefined, audience: undefined })).toMatchObject({ ok: false, error: 'invalid_scope' });
  });

  it('matches identity patterns, and needs a named audience when a grant has several', () => {
    const wide = grants([{ name: 'shop', identity: 'spiffe://example.org/ns/shop/**', audiences: [ORDERS, 'billing'], scopes: ['x'] }]);
    expect(decideGrant(wide, { identity: identity(FRONTEND), scope: 'x', audience: undefined })).toMatchObject({ ok: false, error: 'invalid_target' });
    expect(decideGrant(wide, { identity: identity(FRONTEND), scope: 'x', audience: 'billing' })).toMatchObject({ ok: true, audience: 'billing' });
    expect(decideGrant(wide, { identity: identity('spiffe://example.org/ns/other/sa/x'), scope: 'x', audience: 'billing' })).toMatchObject({ ok: false, error: 'unauthorized_client' });
  });

  it('refuses a lifetime above the ceiling, a default scope outside the grant, and unknown keys, with key paths', () => {
    const result = compileGrants({ grants: [{ ...BASIC[0], lifetime: '2h', defaultScopes: ['nope'], extra: 1 }] }, HOUR, 'grants.yaml');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual(expect.arrayContaining(['grants.yaml: grants[0].extra: unknown key', 'grants.yaml: grants[0].defaultScopes[0]: "nope" is not in this grant\'s scopes']));
    const ceiling = compileGrants({ grants: [{ ...BASIC[0], lifetime: '2h' }] }, HOUR, 'grants.yaml');
    expect(ceiling).toEqual({ ok: false, errors: ["grants.yaml: grants[0].lifetime: 2h is longer than the broker's tokens.maxLifetime"] });
  });
});

describe('least privilege of grants against an audience config', () => {
  const audienceConfig = {
    inbound: [
      {
        name: 'app',
        port: 0,
        tls: { cert: 'c', key: 'k', clientCa: 'ca' },
        upstream: { url: 'http://127.0.0.1:8080' },
        tokens: { issuers: [{ name: 'broker', issuer: 'https://broker', audiences: [ORDERS], jwks: 'j' }] },
        routes: [
          { name: 'read', methods: ['GET'], path: '/orders/**', allow: [FRONTEND], scopes: { allOf: ['orders:read'] } },
          { name: 'health', path: '/healthz', allow: ['*'], token: false },
        ],
      },
    ],
  };

  it('reports scopes no route the grant identity may call requires', () => {
    expect(grantFindings(grants(BASIC), 'https://broker', audienceConfig)).toEqual([{ grant: 'fe', excess: ['orders:write'] }]);
    expect(grantFindings(grants([{ ...BASIC[0], scopes: ['orders:read'] }]), 'https://broker', audienceConfig)).toEqual([]);
    // Another issuer's audience config says nothing about this broker's grants.
    expect(grantFindings(grants(BASIC), 'https://other', audienceConfig)).toEqual([]);
  });
});
