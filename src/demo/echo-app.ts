// A small app for the demo and the benchmark: it answers every request with what it received
// (method, path, the identity header the sidecar set, body size), so you can see the sidecar's
// work from the app's side.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoApp {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export async function startEchoApp(port = 0, host = '127.0.0.1'): Promise<EchoApp> {
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      const body = JSON.stringify({
        app: 'echo',
        method: req.method,
        path: req.url,
        peer: req.headers['x-forwarded-client-cert'] ?? null,
        request_id: req.headers['x-request-id'] ?? null,
        body_bytes: bytes,
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
