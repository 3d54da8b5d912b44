// The admin listeners: /metrics, /healthz, /readyz (public: probes and scraping) and the
// sensitive endpoints such as /identities and /probes (src/admin/endpoints.ts). Separate from the inbound
// port so that scraping and probes never go through (or depend on) the mTLS policy.
//
// One class serves both roles: the admin listener (public endpoints, plus the sensitive ones
// when it is on loopback) and the inspect listener (sensitive endpoints only; over mTLS with an
// allow-list of SPIFFE IDs when it is off loopback).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import type { Registry } from 'prom-client';
import { listenOn } from '../core/listen.js';
import { compileIdentityPattern, matchIdentity, type IdentityPattern } from '../core/identity-pattern.js';
import { parseSpiffeId } from '../core/spiffe.js';
import { parseSubjectAltNames } from '../tls/subject-alt-names.js';
import { isPublicEndpoint, PUBLIC_ENDPOINTS, SENSITIVE_ENDPOINTS } from './endpoints.js';

export interface AdminSources {
  readonly registry: Registry;
  /** Why the sidecar is not ready, or undefined when it is. */
  notReadyReason(): string | undefined;
  /** The identity inventory (/identities), bounded. */
  identities?(): unknown;
  /** The last report of every periodic probe target (/probes), by target name. */
  probes?(): unknown;
}

export interface AdminServerOptions {
  /** Serve /metrics, /healthz, /readyz. */
  readonly servePublic: boolean;
  /** Serve the sensitive endpoints. */
  readonly serveSensitive: boolean;
  /** mTLS: only clients with a certificate from `contextOptions.ca` whose SPIFFE ID matches `allow`. */
  readonly tls?: { readonly contextOptions: SecureContextOptions; readonly allow: readonly string[] };
}

export class AdminServer {
  private readonly server: Server | HttpsServer;
  private allow: readonly IdentityPattern[];

  constructor(
    private readonly address: string,
    private readonly port: number,
    private readonly sources: AdminSources,
    private readonly options: AdminServerOptions = { servePublic: true, serveSensitive: true },
  ) {
    this.allow = (options.tls?.allow ?? []).map(compileIdentityPattern);
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.route(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    };
    // rejectUnauthorized: a client without a certificate from the CA never completes the handshake.
    this.server = options.tls ? createHttpsServer({ ...options.tls.contextOptions, requestCert: true, rejectUnauthorized: true }, handler) : createServer(handler);
    // A failed handshake or a client that vanishes must never surface as an unhandled error.
    this.server.on('tlsClientError', (_error, socket) => socket.destroy());
    this.server.on('clientError', (_error, socket) => socket.destroy());
  }

  listen(): Promise<AddressInfo> {
    return listenOn(this.server, this.port, this.address);
  }

  /** Rotated inspect certificates: new handshakes use them, open connections keep theirs. */
  updateTls(contextOptions: SecureContextOptions): void {
    if ('setSecureContext' in this.server) this.server.setSecureContext({ ...contextOptions });
  }

  /** A reloaded allow-list applies to the next request. */
  setAllow(allow: readonly string[]): void {
    this.allow = allow.map(compileIdentityPattern);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const isPublic = isPublicEndpoint(path);
    if (isPublic ? !this.options.servePublic : !this.options.serveSensitive) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: this listener serves ${this.served().join(', ')}\n`);
      return;
    }
    if (this.options.tls && !this.peerAllowed(req)) {
      res.writeHead(403, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('forbidden: your identity is not in admin.inspect.allow\n');
      return;
    }
    switch (path) {
      case '/metrics': {
        const body = await this.sources.registry.metrics();
        res.writeHead(200, { 'content-type': this.sources.registry.contentType }).end(body);
        return;
      }
      case '/healthz':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      case '/readyz': {
        const reason = this.sources.notReadyReason();
        res.writeHead(reason ? 503 : 200, { 'content-type': 'text/plain' }).end(reason ? `not ready: ${reason}\n` : 'ready\n');
        return;
      }
      case '/identities': {
        if (!this.sources.identities) break;
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(this.sources.identities(), null, 2)}\n`);
        return;
      }
      case '/probes': {
        if (!this.sources.probes) break;
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(this.sources.probes(), null, 2)}\n`);
        return;
      }
      default:
        break;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try ${this.served().join(', ')}\n`);
  }

  private served(): string[] {
    return [...(this.options.servePublic ? PUBLIC_ENDPOINTS : []), ...(this.options.serveSensitive ? SENSITIVE_ENDPOINTS : [])];
  }

  /** The verified client's one SPIFFE ID matches the allow-list. No SPIFFE ID, or two: refused. */
  private peerAllowed(req: IncomingMessage): boolean {
    const socket = req.socket as TLSSocket;
    if (!socket.authorized) return false;
    const cert = socket.getPeerX509Certificate?.();
    if (!cert) return false;
    const uris = parseSubjectAltNames(cert.subjectAltName).uris.filter((uri) => uri.slice(0, 7).toLowerCase() === 'spiffe:');
    if (uris.length !== 1) return false;
    const parsed = parseSpiffeId(uris[0] as string);
    if (!parsed.ok) return false;
    const identity = { kind: 'spiffe' as const, value: parsed.value.id, spiffe: parsed.value };
    return this.allow.some((pattern) => matchIdentity(pattern, identity));
  }
}
