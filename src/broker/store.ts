// The broker's only state: the tokens it issued (until they expire, so a revoked role can take
// its live tokens with it), revoked token ids with their expiry, and revoked grants (identity ×
// scope). Two implementations behind one interface: an append-only file for a single broker
// (file-store.ts), Redis for replicas that must agree (redis-store.ts).

export interface IssuedToken {
  readonly jti: string;
  /** The client's identity (sub, client_id). */
  readonly sub: string;
  readonly scopes: readonly string[];
  readonly aud: string;
  /** seconds since the epoch. */
  readonly exp: number;
}

export interface RevokedToken {
  readonly jti: string;
  /** seconds since the epoch: after this the token is dead anyway and leaves the list. */
  readonly exp: number;
}

export interface RevokedGrant {
  readonly identity: string;
  readonly scope: string;
  /** ms since the epoch. */
  readonly at: number;
}

export interface BrokerStore {
  /** Where it lives, for logs (never a password). */
  readonly description: string;
  open(): Promise<void>;
  recordIssued(token: IssuedToken): Promise<void>;
  revokeToken(token: RevokedToken): Promise<void>;
  /** Revoke a role: from now on, and every live token of this identity holding this scope. Returns the jtis revoked with it. */
  revokeGrant(grant: RevokedGrant, nowSeconds: number): Promise<RevokedToken[]>;
  /** The first of `scopes` revoked for `identity`, if any. */
  revokedScope(identity: string, scopes: readonly string[]): Promise<string | undefined>;
  /** Revoked tokens not yet expired. */
  revokedTokens(nowSeconds: number): Promise<RevokedToken[]>;
  close(): Promise<void>;
}

/** Redis URLs may carry a password: the description keeps only host, port and db. */
export function describeStoreUrl(url: string): string {
  if (url.startsWith('file:')) return url;
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return 'redis (unparseable URL)';
  }
}
