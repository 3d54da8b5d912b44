// POST /token: the client credentials grant (RFC 6749 §4.4), the client authenticated by mTLS
// (RFC 8705 §2.1 tls_client_auth, its SPIFFE ID is the client_id), answered with an RFC 9068
// JWT access token bound to the presenting certificate (cnf.x5t#S256, RFC 8705 §3).
//
// Order: authenticate, parse, decide the grant, check the store for a revoked role, sign,
// record the issued token, then answer. A token the store did not record is never handed out:
// a later "revoke the role" must be able to find it.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT } from 'jose';
import type { BrokerAudit } from './audit.js';
import { decideGrant, type Grant } from './grants.js';
import { clientIdentity, readForm, sendJson, sendOAuthError, single } from './http.js';
import type { KeyRing } from './keys.js';
import type { OAuthError } from './oauth-errors.js';
import type { BrokerStore } from './store.js';

export interface TokenEndpointContext {
  readonly issuer: string;
  readonly grants: () => readonly Grant[];
  readonly keys: KeyRing;
  readonly store: BrokerStore;
  readonly audit: BrokerAudit;
  readonly maxLifetimeMs: number;
  readonly count: (client: string, result: 'granted' | 'refused', reason: OAuthError | 'none') => void;
  readonly now?: () => number;
}

export async function handleToken(ctx: TokenEndpointContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let sub: string | null = null;
  let client = 'none';
  let scopeParam: string | undefined;
  let audienceParam: string | undefined;
  const refuse = (error: OAuthError, detail: string) => {
    ctx.count(client, 'refused', error);
    ctx.audit.refusal({ client, sub, error, detail, ...(scopeParam !== undefined ? { scope: scopeParam.slice(0, 512) } : {}), ...(audienceParam !== undefined ? { audience: audienceParam.slice(0, 512) } : {}) });
    sendOAuthError(res, error, detail);
  };

  const authenticated = clientIdentity(req);
  if (!authenticated.ok) {
    req.resume();
    refuse('invalid_client', authenticated.detail);
    return;
  }
  const { identity, x5tS256 } = authenticated.client;
  sub = identity.value;
  const form = await readForm(req);
  if (!form.ok) {
    refuse('invalid_request', form.detail);
    return;
  }
  const params = form.params;
  for (const name of ['grant_type', 'scope', 'audience', 'client_id']) {
    if ('repeated' in single(params, name)) {
      refuse('invalid_request', `${name} is sent more than once`);
      return;
    }
  }
  const grantType = (single(params, 'grant_type') as { value: string | undefined }).value;
  if (grantType !== 'client_credentials') {
    refuse(grantType === undefined ? 'invalid_request' : 'unsupported_grant_type', grantType === undefined ? 'grant_type is missing' : 'only client_credentials is supported');
    return;
  }
  // RFC 8705 §2: a client_id, when sent, must be the identity the certificate proves.
  const clientId = (single(params, 'client_id') as { value: string | undefined }).value;
  if (clientId !== undefined && clientId !== identity.value) {
    refuse('invalid_client', 'client_id does not match the client certificate');
    return;
  }
  scopeParam = (single(params, 'scope') as { value: string | undefined }).value;
  const resources = params.get('resource') ?? [];
  const audience = (single(params, 'audience') as { value: string | undefined }).value;
  if (resources.length > 1) {
    refuse('invalid_target', 'one resource per token');
    return;
  }
  if (resources.length === 1 && audience !== undefined && audience !== resources[0]) {
    refuse('invalid_request', 'resource and audience name different targets');
    return;
  }
  audienceParam = resources[0] ?? audience;

  const decision = decideGrant(ctx.grants(), { identity, scope: scopeParam, audience: audienceParam });
  if (decision.grant) client = decision.grant.name;
  if (!decision.ok) {
    refuse(decision.error, decision.detail);
    return;
  }
  let revoked: string | undefined;
  try {
    revoked = await ctx.store.revokedScope(identity.value, decision.scopes);
  } catch (error) {
    refuse('server_error', `store unavailable: ${(error as Error).message}`);
    return;
  }
  if (revoked !== undefined) {
    refuse('invalid_scope', `the grant of ${revoked} to this identity was revoked`);
    return;
  }

  const nowMs = (ctx.now ?? Date.now)();
  const iat = Math.floor(nowMs / 1000);
  const lifetimeSeconds = Math.max(1, Math.floor(Math.min(decision.grant.lifetimeMs, ctx.maxLifetimeMs) / 1000));
  const exp = iat + lifetimeSeconds;
  const jti = randomUUID();
  let token: string;
  let kid: string;
  try {
    const signing = await ctx.keys.signingKey();
    kid = signing.kid;
    token = await new SignJWT({ client_id: identity.value, scope: decision.scopes.join(' '), cnf: { 'x5t#S256': x5tS256 } })
      .setProtectedHeader({ alg: signing.alg, kid: signing.kid, typ: 'at+jwt' })
      .setIssuer(ctx.issuer)
      .setSubject(identity.value)
      .setAudience(decision.audience)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(signing.key);
    await ctx.store.recordIssued({ jti, sub: identity.value, scopes: decision.scopes, aud: decision.audience, exp });
    // A replica may have revoked the role between our check and our record: look again now
    // that the token is recorded (that replica scans records after it marks the role revoked).
    const late = await ctx.store.revokedScope(identity.value, decision.scopes);
    if (late !== undefined) {
      await ctx.store.revokeToken({ jti, exp });
      refuse('invalid_scope', `the grant of ${late} to this identity was revoked`);
      return;
    }
  } catch (error) {
    refuse('server_error', `could not issue: ${(error as Error).message}`);
    return;
  }
  ctx.count(client, 'granted', 'none');
  ctx.audit.grant({ client, sub: identity.value, x5t: x5tS256, scopes: decision.scopes, aud: decision.audience, jti, exp, kid });
  sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: lifetimeSeconds, scope: decision.scopes.join(' ') });
}
