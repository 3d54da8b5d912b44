// The admin listener: /metrics, /healthz, /readyz, /identities, /probes. Separate from the inbound port so that
// scraping and probes never go through (or depend on) the mTLS policy.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { listenOn } from '../proxy/listener-common.js';

export interface AdminSources {
  readonly registry: Registry;
  /** Why the sidecar is not ready, or undefined when it is. */
  notReadyReason(): string | undefined;
  /** The identity inventory (/identities), bounded. */
  identities?(): unknown;
  /** The last report of every periodic probe target (/probes), by target name. */
  probes?(): unknown;
}

export class AdminServer {
  private readonly server: Server;

  constructor(
    private readonly address: string,
    private readonly port: number,
    private readonly sources: AdminSources,
  ) {
    this.server = createServer((req, res) => {
      this.route(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  }

  listen(): Promise<AddressInfo> {
    return listenOn(this.server, this.port, this.address);
  }


  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
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
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /healthz, /readyz, /identities, /probes\n');
  }
}
