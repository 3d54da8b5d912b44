// Bearer tokens for server drills, minted with the staging issuer's own key so that a forged
// token differs from the genuine one in exactly the claim (or header) the scenario names.
import { createHash, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import type { ServerTargetConfig } from './config.js';
import type { TokenForgery } from './server-scenario.js';

type TokenSpec = NonNullable<ServerTargetConfig['token']>;

/** RFC 8705 §3.1: base64url SHA-256 of the certificate's DER. */
export function certificateThumbprint(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('base64url');
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface TokenInputs {
  readonly spec: TokenSpec;
  readonly key: KeyObject;
  /** The genuine client certificate, for cnf binding. */
  readonly genuineCertPem: string;
  /** Another certificate, for token_bound_to_other_cert. */
  readonly otherCertPem: string;
}

export async function forgeToken(inputs: TokenInputs, forgery: TokenForgery | undefined): Promise<string | undefined> {
  if (forgery?.kind === 'none') return undefined;
  const { spec } = inputs;
  const now = Math.floor(Date.now() / 1000);
  const claims = forgery?.kind === 'claims' ? forgery : undefined;
  const scopes = [...spec.scopes, ...(claims?.extraScopes ? spec.extraScopes : [])];
  const iat = claims?.expired ? now - 7200 : now;
  const payload: JWTPayload = {
    iss: spec.issuer,
    aud: claims?.audience === 'other' ? 'https://palisade-drill.invalid/another-audience' : spec.audience,
    ...(spec.subject !== undefined ? { sub: spec.subject } : {}),
    ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
    iat,
    exp: claims?.expired ? now - 3600 : iat + spec.lifetimeSeconds,
    jti: randomBytes(12).toString('base64url'),
  };
  const bindTo = claims?.boundTo === 'other_cert' ? inputs.otherCertPem : spec.bindToCert ? inputs.genuineCertPem : undefined;
  if (bindTo !== undefined) payload['cnf'] = { 'x5t#S256': certificateThumbprint(bindTo) };
  const header = { typ: 'at+jwt', ...(spec.kid !== undefined ? { kid: spec.kid } : {}) };
  if (forgery?.kind === 'alg_none') return `${b64({ ...header, alg: 'none' })}.${b64(payload)}.`;
  return new SignJWT(payload).setProtectedHeader({ ...header, alg: spec.alg }).sign(inputs.key);
}
