// The broker's signing keys, at rest in a directory: one JSON file per key (mode 0600, the
// directory 0700), holding the private JWK and when the key was made and retired. The
// directory is the source of truth, so `palisade broker keys rotate` run beside a live broker,
// or a replica sharing the directory, is seen on the next read.
//
//   upcoming  a rotated-in key is published `prepublishMs` before it signs anything, so every
//             sidecar's JWKS cache holds it before the first token it signs arrives;
//   current   the newest key whose activeAt has come: signs every new token;
//   retired   a key whose successor became current: published until then + the token ceiling
//             (no token it signed can outlive that), then deleted;
//   disabled  a compromised key is deleted outright: it leaves the JWKS at once, and if it was
//             current a new key takes over.
//
// Key material never reaches a log line: nothing here logs, and errors name files, not contents.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

export type SigningAlgorithm = 'ES256' | 'EdDSA';

export interface StoredKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** ms since the epoch. */
  readonly createdAt: number;
  /** ms since the epoch: from then on it signs (until a newer key's activeAt). */
  readonly activeAt: number;
  readonly privateJwk: JWK;
}

export class KeyStoreError extends Error {}

const FILE = /^([A-Za-z0-9_-]{8,64})\.json$/;

export interface KeyRingOptions {
  readonly dir: string;
  readonly algorithm: SigningAlgorithm;
  /** tokens.maxLifetime: how long a retired key stays published. */
  readonly maxLifetimeMs: number;
  /** keys.prepublish: how long a rotated-in key is published before it signs. */
  readonly prepublishMs?: number;
  readonly now?: () => number;
}

export interface RotationResult {
  readonly kid: string;
  readonly previous: string | undefined;
  /** ms since the epoch: when the new key starts signing. */
  readonly activeAt: number;
}

export class KeyRing {
  private keys: StoredKey[] = [];
  private readonly imported = new Map<string, Promise<CryptoKey>>();
  private readonly now: () => number;

  constructor(private readonly options: KeyRingOptions) {
    this.now = options.now ?? Date.now;
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Create the directory (0700) if needed, read every key, and make a first key if there is none. */
  async open(): Promise<void> {
    mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.options.dir, 0o700);
    this.read();
    if (!this.current()) await this.rotate();
  }

  /** Re-read the directory (a rotation by another process or replica). */
  read(): void {
    const keys: StoredKey[] = [];
    for (const name of readdirSync(this.options.dir)) {
      if (!FILE.test(name)) continue;
      const path = join(this.options.dir, name);
      const mode = statSync(path).mode & 0o777;
      // A key file others can read is a leaked key: refuse to use it rather than sign with it.
      if ((mode & 0o077) !== 0) throw new KeyStoreError(`${path}: mode ${mode.toString(8)} lets others read a private key; chmod 600 it (or disable the key)`);
      let parsed: StoredKey;
      try {
        parsed = JSON.parse(readFileSync(path, 'utf8')) as StoredKey;
      } catch {
        throw new KeyStoreError(`${path}: not a broker key file (JSON)`);
      }
      if (typeof parsed.kid !== 'string' || typeof parsed.createdAt !== 'number' || typeof parsed.activeAt !== 'number' || !parsed.privateJwk || (parsed.alg !== 'ES256' && parsed.alg !== 'EdDSA')) {
        throw new KeyStoreError(`${path}: not a broker key file (kid, alg, createdAt, activeAt, privateJwk)`);
      }
      keys.push(parsed);
    }
    keys.sort((a, b) => a.activeAt - b.activeAt || a.createdAt - b.createdAt || a.kid.localeCompare(b.kid));
    this.keys = keys.filter((key) => key.alg === this.options.algorithm);
  }

  current(): StoredKey | undefined {
    const now = this.now();
    for (let i = this.keys.length - 1; i >= 0; i -= 1) {
      const key = this.keys[i] as StoredKey;
      if (key.activeAt <= now) return key;
    }
    return undefined;
  }

  /** A key rotated in but not signing yet. */
  upcoming(): StoredKey | undefined {
    const now = this.now();
    return this.keys.find((key) => key.activeAt > now);
  }

  /** When `key` stopped signing: its successor's activeAt, if that has come. */
  private retiredAt(index: number): number | undefined {
    const next = this.keys[index + 1];
    return next && next.activeAt <= this.now() ? next.activeAt : undefined;
  }

  /** Keys whose tokens may still be alive, and the upcoming one; newest first. */
  published(): StoredKey[] {
    const now = this.now();
    return this.keys
      .filter((_key, index) => {
        const retired = this.retiredAt(index);
        return retired === undefined || retired + this.options.maxLifetimeMs > now;
      })
      .reverse();
  }

  /** The JWKS document: public members only. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const keys: JWK[] = [];
    for (const key of this.published()) keys.push(publicJwk(key));
    return { keys };
  }

  ageSeconds(): number {
    const key = this.current();
    return key ? Math.max(0, (this.now() - key.activeAt) / 1000) : 0;
  }

  /** The current key, imported for signing. */
  async signingKey(): Promise<{ key: CryptoKey; kid: string; alg: SigningAlgorithm }> {
    const current = this.current();
    if (!current) throw new KeyStoreError('no current signing key');
    let promise = this.imported.get(current.kid);
    if (!promise) {
      promise = importJWK(current.privateJwk, current.alg) as Promise<CryptoKey>;
      this.imported.set(current.kid, promise);
    }
    return { key: await promise, kid: current.kid, alg: current.alg };
  }

  /**
   * Make a new key, published now and signing after `prepublishMs` (or `immediately`); the
   * previous one is retired then (still published until its tokens expire). Keys whose
   * tokens have all expired are deleted.
   */
  async rotate(immediately = false): Promise<RotationResult> {
    this.read();
    const previous = this.current();
    const { privateKey } = await generateKeyPair(this.options.algorithm, { extractable: true, ...(this.options.algorithm === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    const now = this.now();
    const kid = `${new Date(now).toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(6).toString('base64url')}`;
    const jwk = await exportJWK(privateKey);
    // The first key of a ring has nothing to wait for.
    const activeAt = immediately || !previous ? now : now + (this.options.prepublishMs ?? 0);
    this.write({ kid, alg: this.options.algorithm, createdAt: now, activeAt, privateJwk: { ...jwk, kid, alg: this.options.algorithm, use: 'sig' } });
    this.prune();
    this.read();
    return { kid, previous: previous?.kid, activeAt };
  }

  /** A compromised key: delete it (it leaves the JWKS now); a new key takes over if it was current. */
  async disable(kid: string): Promise<{ rotated: RotationResult | undefined }> {
    this.read();
    const key = this.keys.find((candidate) => candidate.kid === kid);
    if (!key) throw new KeyStoreError(`no key with kid ${kid} in ${this.options.dir}`);
    const wasCurrent = this.current()?.kid === kid;
    rmSync(join(this.options.dir, `${kid}.json`), { force: true });
    this.imported.delete(kid);
    this.read();
    // A compromised key must stop signing now: its successor starts at once.
    return { rotated: wasCurrent || !this.current() ? await this.rotate(true) : undefined };
  }

  /** Delete retired keys whose every token has expired. */
  private prune(): void {
    const now = this.now();
    this.keys.forEach((key, index) => {
      const retired = this.retiredAt(index);
      if (retired !== undefined && retired + this.options.maxLifetimeMs <= now) rmSync(join(this.options.dir, `${key.kid}.json`), { force: true });
    });
  }

  /** Write via a temp file and rename, created 0600: a reader never sees half a key, nor a readable one. */
  private write(key: StoredKey): void {
    const path = join(this.options.dir, `${key.kid}.json`);
    const temp = join(this.options.dir, `.${key.kid}.${randomBytes(4).toString('hex')}.tmp`);
    writeFileSync(temp, `${JSON.stringify(key)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  }
}

export function publicJwk(key: StoredKey): JWK {
  const { kty, crv, x, y } = key.privateJwk;
  return { kty, crv, x, ...(y !== undefined ? { y } : {}), kid: key.kid, alg: key.alg, use: 'sig' } as JWK;
}
