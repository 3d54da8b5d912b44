// Benchmark child process: the runtime's floor. A bare Node https server (client certificate
// required and verified, like the sidecar) forwarding every request over an undici keep-alive
// pool to the app, with no checks, no telemetry and no logging: what Node + undici cost for the
// same forwarding before any of Palisade's own work.
//
//   node dist/bench/bare-proxy.js CERT KEY CA UPSTREAM_PORT
//
// It does what a proxy cannot skip: drops hop-by-hop request headers and adds an identity
// header built once per connection. Prints {"port":N} on stdout once it listens.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Pool, type Dispatcher } from 'undici';

const [certPath, keyPath, caPath, upstreamPort] = process.argv.slice(2);
if (!certPath || !keyPath || !caPath || !upstreamPort) {
  process.stderr.write('usage: bare-proxy.js CERT KEY CA UPSTREAM_PORT\n');
  process.exit(2);
}

const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 });
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const identity = new WeakMap<TLSSocket, string>();

function identityOf(socket: TLSSocket): string {
  let value = identity.get(socket);
  if (value === undefined) {
    const cert = socket.getPeerX509Certificate();
    value = `Hash=${cert?.fingerprint256.replaceAll(':', '').toLowerCase() ?? ''};URI=${cert?.subjectAltName?.split(', ').find((name) => name.startsWith('URI:'))?.slice(4) ?? ''}`;
    identity.set(socket, value);
  }
  return value;
}

const server = createServer(
  { cert: readFileSync(certPath), key: readFileSync(keyPath), ca: readFileSync(caPath), requestCert: true, rejectUnauthorized: true, keepAliveTimeout: 60_000 },
  (req, res) => {
    const raw = req.rawHeaders;
    const headers: string[] = [];
    for (let i = 0; i < raw.length; i += 2) {
      if (!HOP.has((raw[i] as string).toLowerCase())) headers.push(raw[i] as string, raw[i + 1] as string);
    }
    headers.push('x-forwarded-client-cert', identityOf(req.socket as TLSSocket));
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    pool
      .stream({ method: req.method as Dispatcher.HttpMethod, path: req.url ?? '/', headers, body: hasBody ? req : null }, ({ statusCode, headers: upstream }) => {
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(upstream)) if (value !== undefined && !HOP.has(name)) out[name] = value;
        res.writeHead(statusCode, out);
        return res;
      })
      .catch(() => {
        if (!res.headersSent) {
          res.writeHead(502);
          res.end();
        } else res.destroy();
      });
  },
);

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: 'bare-proxy', port: (server.address() as AddressInfo).port })}\n`);
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
