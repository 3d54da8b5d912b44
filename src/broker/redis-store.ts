// The replicated store: several broker replicas share their state through Redis (node-redis),
// so a revocation made through one replica is refused by every other one at once (each token
// request reads the revoked grants; /revoked reads the shared list).
//
//   {prefix}issued:{identity}   ZSET  score exp, member {"jti","scopes"}: live tokens per client
//   {prefix}revoked             ZSET  score exp, member jti: revoked tokens until they expire
//   {prefix}revoked-grants      HASH  identity \0 scope -> revoked at (ms)
//
// `prefix` is `palisade:broker:<issuer>:`, so brokers of different issuers can share one Redis.
// Commands fail at once while Redis is unreachable (no offline queue): the broker answers
// server_error and grants nothing it could not record, instead of hanging.
import { createRequire } from 'node:module';
import type { createClient } from 'redis';
import { describeStoreUrl, type BrokerStore, type IssuedToken, type RevokedGrant, type RevokedToken } from './store.js';

type Client = ReturnType<typeof createClient>;

// node-redis is loaded when a Redis store is opened, not when this module is: every command's
// module is imported by the CLI, and `palisade run` (which never opens a store) would otherwise
// carry the client in memory, about 15 MiB of RSS.
const loadRedis = (): typeof import('redis') => createRequire(import.meta.url)('redis') as typeof import('redis');

export class RedisStore implements BrokerStore {
  private readonly client: Client;
  private readonly prefix: string;

  constructor(
    private readonly url: string,
    issuer: string,
    onError: (message: string) => void,
  ) {
    this.prefix = `palisade:broker:${issuer}:`;
    this.client = loadRedis().createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 2_000, reconnectStrategy: (retries: number) => Math.min(100 * (retries + 1), 2_000) },
    });
    // node-redis emits errors on every failed reconnect; report them (without the URL's password).
    this.client.on('error', (error: Error) => onError(error.message));
  }

  get description(): string {
    return describeStoreUrl(this.url);
  }

  async open(): Promise<void> {
    await this.client.connect();
  }

  async recordIssued(token: IssuedToken): Promise<void> {
    const key = `${this.prefix}issued:${token.sub}`;
    await this.client
      .multi()
      .zAdd(key, { score: token.exp, value: JSON.stringify({ jti: token.jti, scopes: token.scopes }) })
      .zRemRangeByScore(key, '-inf', Math.floor(Date.now() / 1000))
      // The key goes when its last token has expired: set once (NX), then only ever later (GT).
      .expireAt(key, token.exp + 1, 'NX')
      .expireAt(key, token.exp + 1, 'GT')
      .exec();
  }

  async revokeToken(token: RevokedToken): Promise<void> {
    await this.client.zAdd(`${this.prefix}revoked`, { score: token.exp, value: token.jti });
  }

  async revokeGrant(grant: RevokedGrant, nowSeconds: number): Promise<RevokedToken[]> {
    // The grant first: a replica issuing concurrently re-checks it after recording its token.
    await this.client.hSet(`${this.prefix}revoked-grants`, grantField(grant.identity, grant.scope), String(grant.at));
    const live = await this.client.zRangeByScoreWithScores(`${this.prefix}issued:${grant.identity}`, `(${nowSeconds}`, '+inf');
    const taken: RevokedToken[] = [];
    for (const entry of live) {
      let parsed: { jti?: unknown; scopes?: unknown };
      try {
        parsed = JSON.parse(String(entry.value)) as { jti?: unknown; scopes?: unknown };
      } catch {
        continue;
      }
      if (typeof parsed.jti === 'string' && Array.isArray(parsed.scopes) && parsed.scopes.includes(grant.scope)) taken.push({ jti: parsed.jti, exp: entry.score });
    }
    if (taken.length > 0) await this.client.zAdd(`${this.prefix}revoked`, taken.map((token) => ({ score: token.exp, value: token.jti })));
    return taken;
  }

  async revokedScope(identity: string, scopes: readonly string[]): Promise<string | undefined> {
    if (scopes.length === 0) return undefined;
    const values = await this.client.hmGet(`${this.prefix}revoked-grants`, scopes.map((scope) => grantField(identity, scope)));
    const index = values.findIndex((value) => value !== null && value !== undefined);
    return index === -1 ? undefined : scopes[index];
  }

  async revokedTokens(nowSeconds: number): Promise<RevokedToken[]> {
    const key = `${this.prefix}revoked`;
    await this.client.zRemRangeByScore(key, '-inf', nowSeconds);
    const entries = await this.client.zRangeByScoreWithScores(key, `(${nowSeconds}`, '+inf');
    return entries.map((entry) => ({ jti: String(entry.value), exp: entry.score }));
  }

  async close(): Promise<void> {
    if (this.client.isOpen) await this.client.close();
  }
}

function grantField(identity: string, scope: string): string {
  return `${identity}\u0000${scope}`;
}
