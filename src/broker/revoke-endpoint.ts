// POST /revoke (RFC 7009), for identities the broker config names as admins:
//   token=JWT            revoke one of this broker's access tokens (its jti, until its exp);
//   jti=ID               revoke a token by id (listed until now + tokens.maxLifetime, the
//                        longest any token of this broker can live);
//   identity=ID&scope=S  revoke a role: that identity is never again granted S, and every live
//                        token it holds with S is revoked now.
// A token that is not this broker's is answered 200 as RFC 7009 §2.2 asks (nothing to revoke),
// with `revoked: []` so an operator sees that nothing happened.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { compactVerify, createLocalJWKSet, decodeJwt } from 'jose';
import { matchIdentity, type IdentityPattern } from '../core/identity-pattern.js';
import type { BrokerAudit } from './audit.js';
import { parseScopeParam } from './grants.js';
import { clientIdentity, readForm, sendJson, sendOAuthError, single } from './http.js';
import type { KeyRing } from './keys.js';
import type { BrokerStore, RevokedToken } from './store.js';

export interface RevokeEndpointContext {
  readonly admins: readonly IdentityPattern[];
  readonly keys: KeyRing;
  readonly store: BrokerStore;
  readonly audit: BrokerAudit;
  readonly maxLifetimeMs: number;
  readonly count: (kind: 'token' | 'grant') => void;
  readonly now?: () => number;
}

export async function handleRevoke(ctx: RevokeEndpointContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const authenticated = clientIdentity(req);
  if (!authenticated.ok) {
    req.resume();
    sendOAuthError(res, 'invalid_client', authenticated.detail);
    return;
  }
  const by = authenticated.client.identity;
  if (!ctx.admins.some((pattern) => matchIdentity(pattern, by))) {
    req.resume();
    sendOAuthError(res, 'access_denied', 'this identity may not revoke');
    return;
  }
  const form = await readForm(req);
  if (!form.ok) {
    sendOAuthError(res, 'invalid_request', form.detail);
    return;
  }
  const get = (name: string) => single(form.params, name);
  for (const name of ['token', 'token_type_hint', 'jti', 'identity', 'scope']) {
    if ('repeated' in get(name)) {
      sendOAuthError(res, 'invalid_request', `${name} is sent more than once`);
      return;
    }
  }
  const value = (name: string) => (get(name) as { value: string | undefined }).value;
  const token = value('token');
  const jti = value('jti');
  const identity = value('identity');
  const scope = value('scope');
  const forms = [token !== undefined, jti !== undefined, identity !== undefined || scope !== undefined].filter(Boolean).length;
  if (forms !== 1) {
    sendOAuthError(res, 'invalid_request', 'send exactly one of: token, jti, or identity with scope');
    return;
  }
  const nowMs = (ctx.now ?? Date.now)();
  const nowSeconds = Math.floor(nowMs / 1000);
  try {
    if (identity !== undefined || scope !== undefined) {
      const scopes = scope === undefined ? undefined : parseScopeParam(scope);
      if (identity === undefined || identity === '' || !scopes || scopes.length !== 1) {
        sendOAuthError(res, 'invalid_request', 'a role revocation needs identity and exactly one scope');
        return;
      }
      const revoked = await ctx.store.revokeGrant({ identity, scope: scopes[0] as string, at: nowMs }, nowSeconds);
      ctx.count('grant');
      ctx.audit.revocation({ by: by.value, kind: 'grant', identity, scope: scopes[0] as string, revoked });
      sendJson(res, 200, { revoked: revoked.map((entry) => entry.jti) });
      return;
    }
    let target: RevokedToken | undefined;
    if (jti !== undefined) {
      if (jti === '' || jti.length > 256) {
        sendOAuthError(res, 'invalid_request', 'jti must be 1-256 characters');
        return;
      }
      target = { jti, exp: nowSeconds + Math.ceil(ctx.maxLifetimeMs / 1000) };
    } else {
      target = await ownToken(ctx.keys, token as string);
      if (target && target.exp <= nowSeconds) target = undefined;
    }
    if (!target) {
      sendJson(res, 200, { revoked: [] });
      return;
    }
    await ctx.store.revokeToken(target);
    ctx.count('token');
    ctx.audit.revocation({ by: by.value, kind: 'token', jti: target.jti, revoked: [target] });
    sendJson(res, 200, { revoked: [target.jti] });
  } catch (error) {
    sendOAuthError(res, 'server_error', `store unavailable: ${(error as Error).message}`);
  }
}

/** The jti and exp of a token this broker signed (with a key it still publishes), else undefined. */
async function ownToken(keys: KeyRing, token: string): Promise<RevokedToken | undefined> {
  if (token.length > 16_384) return undefined;
  try {
    await compactVerify(token, createLocalJWKSet(await keys.jwks()));
    const payload = decodeJwt(token);
    if (typeof payload.jti !== 'string' || typeof payload.exp !== 'number') return undefined;
    return { jti: payload.jti, exp: payload.exp };
  } catch {
    return undefined;
  }
}
