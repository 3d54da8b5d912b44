// The running broker: an HTTPS listener (mTLS requested; required on /token and /revoke), an
// admin listener (/metrics, /healthz, /readyz), the key ring, the grants (hot-reloaded: check,
// then swap), the store, and the audit trail.
//
//   POST /token                               client credentials over mTLS → RFC 9068 token
//   POST /revoke                              RFC 7009, admins only
//   GET  /revoked                             revoked jtis with their exp (sidecars' remote denylist)
//   GET  /.well-known/jwks.json               public keys: current + retired-but-alive
//   GET  /.well-known/oauth-authorization-server   RFC 8414 metadata
import { statSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type DestinationStream, type Logger } from 'pino';
import { AdminServer } from '../admin/admin-server.js';
import { parseDuration } from '../core/duration.js';
import { FileWatcher } from '../config/watch.js';
import { listenOn } from '../core/listen.js';
import { BrokerMetrics } from '../telemetry/metrics.js';
import { compileIdentityPattern } from '../core/identity-pattern.js';
import { loadCertAndKey, loadTrustBundle } from '../tls/material.js';
import { VERSION } from '../version.js';
import { BrokerAudit } from './audit.js';
import type { LoadedBrokerConfig } from './config.js';
import { readYamlFile } from './config.js';
import { compileGrants, type Grant } from './grants.js';
import { sendJson } from './http.js';
import { KeyRing } from './keys.js';
import { handleRevoke } from './revoke-endpoint.js';
import { openStore } from './open-store.js';
import { describeStoreUrl, type BrokerStore } from './store.js';
import { handleToken } from './token-endpoint.js';

export interface BrokerOptions {
  readonly logDestination?: DestinationStream;
  /** Test seam for a store; default from config.store. */
  readonly store?: BrokerStore;
}

export interface BrokerAddresses {
  readonly listen: AddressInfo;
  readonly admin: AddressInfo;
}

export class BrokerStartError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('; '));
  }
}

export class Broker {
  readonly log: Logger;
  readonly metrics = new BrokerMetrics(VERSION);
  readonly keys: KeyRing;
  readonly audit: BrokerAudit;
  private grants: readonly Grant[] = [];
  private store: BrokerStore | undefined;
  private server: Server | undefined;
  private admin: AdminServer | undefined;
  private watcher: FileWatcher | undefined;
  private timers: NodeJS.Timeout[] = [];
  private keyDirStamp = '';
  private readonly maxLifetimeMs: number;

  constructor(
    private readonly loaded: LoadedBrokerConfig,
    private readonly options: BrokerOptions = {},
  ) {
    const config = loaded.config;
    const base = { level: config.log.level, base: { service: 'palisade-broker' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label: string) => ({ level: label }) } };
    this.log = options.logDestination ? pino(base, options.logDestination) : pino(base);
    this.audit = new BrokerAudit(this.log, config.auditFile === null ? undefined : loaded.resolvePath(config.auditFile));
    this.maxLifetimeMs = parseDuration(config.tokens.maxLifetime);
    this.keys = new KeyRing({ dir: loaded.resolvePath(config.keys.dir), algorithm: config.keys.algorithm, maxLifetimeMs: this.maxLifetimeMs, prepublishMs: parseDuration(config.keys.prepublish) });
    this.metrics.keyAge = () => this.keys.ageSeconds();
  }

  get config(): LoadedBrokerConfig['config'] {
    return this.loaded.config;
  }

  get currentGrants(): readonly Grant[] {
    return this.grants;
  }

  async start(): Promise<BrokerAddresses> {
    const config = this.loaded.config;
    const grants = this.readGrants();
    if (!grants.ok) throw new BrokerStartError(grants.errors);
    this.grants = grants.grants;
    const errors: string[] = [];
    let tls: { cert: Buffer; key: Buffer; ca: Buffer } | undefined;
    try {
      const { certPem, keyPem } = loadCertAndKey('tls.cert', 'tls.key', this.loaded.baseDir, config.tls.cert, config.tls.key, new Date());
      const { pem } = loadTrustBundle('tls.clientCa', this.loaded.baseDir, config.tls.clientCa);
      tls = { cert: certPem, key: keyPem, ca: pem };
    } catch (error) {
      errors.push((error as Error).message);
    }
    if (!tls) throw new BrokerStartError(errors);
    await this.keys.open();
    this.store = this.options.store ?? openStore(config.store, config.issuer, this.loaded.resolvePath, (message) => this.log.error({ type: 'store', store: describeStoreUrl(config.store), error: message }, 'store error'));
    await this.store.open();

    const admins = config.admins.map(compileIdentityPattern);
    const count = (client: string, result: 'granted' | 'refused', reason: string) => this.metrics.grants.inc({ client, result, reason });
    const tokenCtx = { issuer: config.issuer, grants: () => this.grants, keys: this.keys, store: this.store, audit: this.audit, maxLifetimeMs: this.maxLifetimeMs, count };
    const revokeCtx = { admins, keys: this.keys, store: this.store, audit: this.audit, maxLifetimeMs: this.maxLifetimeMs, count: (kind: 'token' | 'grant') => this.metrics.revocations.inc({ kind }) };

    // mTLS is requested on every connection and required by /token and /revoke; the public
    // documents (keys, metadata, revocation list) are readable by any TLS client, as sidecars
    // fetch them with a trust bundle only.
    this.server = createServer({ ...tls, requestCert: true, rejectUnauthorized: false, minVersion: config.tls.minVersion }, (req, res) => {
      this.route(req, res, tokenCtx, revokeCtx).catch((error: unknown) => {
        this.log.error({ type: 'broker_error', err: (error as Error).message }, 'request handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
        else res.destroy();
      });
    });
    const listen = await listenOn(this.server as never, config.listen.port, config.listen.address);
    this.admin = new AdminServer(config.admin.address, config.admin.port, { registry: this.metrics.registry, notReadyReason: () => (this.keys.current() ? undefined : 'no signing key') });
    const admin = await this.admin.listen();

    this.watcher = new FileWatcher({ configPath: this.loaded.resolvePath(config.grants), files: [], debounceMs: config.reload.debounceMs, onChange: () => this.reloadGrants('file change') });
    // The key directory may change under us (`palisade broker keys rotate`, a replica): look at it each second.
    this.keyDirStamp = this.dirStamp();
    this.every(1_000, () => this.rereadKeys());
    if (config.keys.rotateEvery !== null) {
      const rotateMs = parseDuration(config.keys.rotateEvery);
      const prepublishMs = parseDuration(config.keys.prepublish);
      // Rotate prepublish ahead of time, so the successor takes over when the current key is rotateEvery old.
      this.every(Math.max(250, Math.min(60_000, Math.floor(rotateMs / 10))), () => {
        if (!this.keys.upcoming() && this.keys.ageSeconds() * 1000 >= rotateMs - prepublishMs) void this.rotate('schedule');
      });
    }
    this.log.info({ type: 'lifecycle', listen: `${listen.address}:${listen.port}`, admin: `${admin.address}:${admin.port}`, issuer: config.issuer, store: this.store.description, grants: this.grants.length, version: VERSION }, 'broker started');
    return { listen, admin };
  }

  /** Re-read the grants file; a broken file keeps the running grants. */
  reloadGrants(trigger: string): boolean {
    const next = this.readGrants();
    if (!next.ok) {
      this.log.error({ type: 'reload', result: 'error', trigger, errors: next.errors }, 'grants reload failed; keeping the running grants');
      return false;
    }
    this.grants = next.grants;
    this.log.info({ type: 'reload', result: 'success', trigger, grants: next.grants.length }, 'grants reloaded');
    return true;
  }

  /** A new key: published now, signing after keys.prepublish (or at once with `immediately`). */
  async rotate(trigger: string, immediately = false): Promise<string> {
    const result = await this.keys.rotate(immediately);
    this.keyDirStamp = this.dirStamp();
    this.audit.key('rotated', { kid: result.kid, previous: result.previous, trigger, activeAt: new Date(result.activeAt).toISOString() });
    return result.kid;
  }

  async disableKey(kid: string, trigger: string): Promise<void> {
    const { rotated } = await this.keys.disable(kid);
    this.keyDirStamp = this.dirStamp();
    this.audit.key('disabled', { kid, trigger, next: rotated?.kid });
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.watcher?.close();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.admin?.close();
    await this.store?.close();
  }

  private readGrants(): ReturnType<typeof compileGrants> {
    const path = this.loaded.resolvePath(this.loaded.config.grants);
    const read = readYamlFile(path);
    if (!read.ok) return { ok: false, errors: [`grants: ${read.error}`] };
    return compileGrants(read.value, this.maxLifetimeMs, this.loaded.config.grants);
  }

  private every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private dirStamp(): string {
    try {
      const stat = statSync(this.keys.dir);
      return `${stat.mtimeMs}:${stat.size}`;
    } catch {
      return 'missing';
    }
  }

  private rereadKeys(): void {
    const stamp = this.dirStamp();
    if (stamp === this.keyDirStamp) return;
    this.keyDirStamp = stamp;
    try {
      const before = this.keys.current()?.kid;
      this.keys.read();
      const after = this.keys.current()?.kid;
      if (before !== after) this.log.info({ type: 'keys', current: after ?? null, previous: before ?? null }, 'signing keys changed on disk');
    } catch (error) {
      this.log.error({ type: 'keys', error: (error as Error).message }, 'key directory unreadable; keeping the keys in memory');
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, tokenCtx: Parameters<typeof handleToken>[0], revokeCtx: Parameters<typeof handleRevoke>[0]): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const post = (handler: () => Promise<void>) => {
      if (method !== 'POST') {
        req.resume();
        sendJson(res, 405, { error: 'invalid_request', error_description: 'use POST' }, { allow: 'POST' });
        return Promise.resolve();
      }
      return handler();
    };
    const get = (body: () => Promise<unknown> | unknown, contentType = 'application/json') => {
      req.resume();
      if (method !== 'GET' && method !== 'HEAD') {
        sendJson(res, 405, { error: 'invalid_request', error_description: 'use GET' }, { allow: 'GET, HEAD' });
        return Promise.resolve();
      }
      return Promise.resolve(body()).then((value) => sendJson(res, 200, value, { 'content-type': contentType }));
    };
    switch (path) {
      case '/token':
        return post(() => handleToken(tokenCtx, req, res));
      case '/revoke':
        return post(() => handleRevoke(revokeCtx, req, res));
      case '/revoked':
        return get(async () => ({ issuer: this.config.issuer, generated_at: Math.floor(Date.now() / 1000), revoked: await (this.store as BrokerStore).revokedTokens(Math.floor(Date.now() / 1000)) }));
      case '/.well-known/jwks.json':
        return get(() => this.keys.jwks(), 'application/jwk-set+json');
      case '/.well-known/oauth-authorization-server':
        return get(() => this.metadata());
      default:
        req.resume();
        sendJson(res, 404, { error: 'not_found' });
        return Promise.resolve();
    }
  }

  /** RFC 8414 authorization server metadata. */
  private metadata(): Record<string, unknown> {
    const issuer = this.config.issuer;
    const at = (path: string) => new URL(path, issuer).toString();
    return {
      issuer,
      token_endpoint: at('/token'),
      jwks_uri: at('/.well-known/jwks.json'),
      revocation_endpoint: at('/revoke'),
      grant_types_supported: ['client_credentials'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['tls_client_auth'],
      revocation_endpoint_auth_methods_supported: ['tls_client_auth'],
      tls_client_certificate_bound_access_tokens: true,
      // RFC 9068 access tokens, signed with the key ring's algorithm.
      access_token_signing_alg_values_supported: [this.config.keys.algorithm],
    };
  }
}

