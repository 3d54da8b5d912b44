// The embedded store for one broker: an append-only JSON-lines file, replayed at start. Every
// change is appended (and fsync'd) before the broker answers, so a revocation the caller was
// told about survives a crash. Expired entries are skipped on replay; the file is rewritten
// without them at start, so it does not grow without bound across restarts.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BrokerStore, IssuedToken, RevokedGrant, RevokedToken } from './store.js';

type Entry = ({ type: 'issued' } & IssuedToken) | ({ type: 'revoked_token' } & RevokedToken) | ({ type: 'revoked_grant' } & RevokedGrant);

export class FileStore implements BrokerStore {
  private fd: number | undefined;
  private readonly issued = new Map<string, IssuedToken>();
  private readonly revoked = new Map<string, RevokedToken>();
  private readonly grants = new Map<string, RevokedGrant>();

  constructor(
    private readonly path: string,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  get description(): string {
    return `file:${this.path}`;
  }

  async open(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    if (existsSync(this.path)) {
      const text = readFileSync(this.path, 'utf8');
      text.split('\n').forEach((line, index) => {
        if (line.trim() === '') return;
        let entry: Entry;
        try {
          entry = JSON.parse(line) as Entry;
        } catch {
          // A torn last line (crash mid-append) is the only expected damage; anything else is not ours.
          if (index === text.split('\n').length - 2 || index === text.split('\n').length - 1) return;
          throw new Error(`${this.path}:${index + 1}: not a broker state line`);
        }
        this.apply(entry);
      });
    }
    this.prune();
    // Compact: rewrite with what is still alive, then append from there.
    const temp = `${this.path}.compact`;
    const fd = openSync(temp, 'w', 0o600);
    for (const entry of this.entries()) writeSync(fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, this.path);
    this.fd = openSync(this.path, 'a', 0o600);
  }

  async recordIssued(token: IssuedToken): Promise<void> {
    this.append({ type: 'issued', ...token });
  }

  async revokeToken(token: RevokedToken): Promise<void> {
    this.append({ type: 'revoked_token', ...token });
  }

  async revokeGrant(grant: RevokedGrant, nowSeconds: number): Promise<RevokedToken[]> {
    this.append({ type: 'revoked_grant', ...grant });
    const taken: RevokedToken[] = [];
    for (const token of this.issued.values()) {
      if (token.sub === grant.identity && token.scopes.includes(grant.scope) && token.exp > nowSeconds && !this.revoked.has(token.jti)) {
        const revoked = { jti: token.jti, exp: token.exp };
        this.append({ type: 'revoked_token', ...revoked });
        taken.push(revoked);
      }
    }
    return taken;
  }

  async revokedScope(identity: string, scopes: readonly string[]): Promise<string | undefined> {
    return scopes.find((scope) => this.grants.has(grantKey(identity, scope)));
  }

  async revokedTokens(nowSeconds: number): Promise<RevokedToken[]> {
    this.prune(nowSeconds);
    return [...this.revoked.values()].filter((token) => token.exp > nowSeconds);
  }

  async close(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private append(entry: Entry): void {
    if (this.fd === undefined) throw new Error('store is not open');
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
    this.apply(entry);
  }

  private apply(entry: Entry): void {
    if (entry.type === 'issued') this.issued.set(entry.jti, { jti: entry.jti, sub: entry.sub, scopes: entry.scopes, aud: entry.aud, exp: entry.exp });
    else if (entry.type === 'revoked_token') this.revoked.set(entry.jti, { jti: entry.jti, exp: entry.exp });
    else if (entry.type === 'revoked_grant') this.grants.set(grantKey(entry.identity, entry.scope), { identity: entry.identity, scope: entry.scope, at: entry.at });
  }

  private prune(now = this.nowSeconds()): void {
    for (const [jti, token] of this.issued) if (token.exp <= now) this.issued.delete(jti);
    for (const [jti, token] of this.revoked) if (token.exp <= now) this.revoked.delete(jti);
  }

  private *entries(): Iterable<Entry> {
    for (const grant of this.grants.values()) yield { type: 'revoked_grant', ...grant };
    for (const token of this.issued.values()) yield { type: 'issued', ...token };
    for (const token of this.revoked.values()) yield { type: 'revoked_token', ...token };
  }
}

export function grantKey(identity: string, scope: string): string {
  return `${identity}\u0000${scope}`;
}
