// Benchmark child process: the "direct call" baseline. The app terminates mTLS itself: a Node
// https server with the sidecar's server certificate, requiring and verifying a client
// certificate against the same CA, answering the same echo body as the demo echo app.
//
//   node dist/bench/direct-server.js CERT KEY CA
//
// Prints one JSON line {"port":N} on stdout once it listens; exits on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

const [certPath, keyPath, caPath] = process.argv.slice(2);
if (!certPath || !keyPath || !caPath) {
  process.stderr.write('usage: direct-server.js CERT KEY CA\n');
  process.exit(2);
}

// Like the sidecar, read the peer's identity once per connection, not per request.
const peers = new WeakMap<TLSSocket, string | null>();

function peerOf(socket: TLSSocket): string | null {
  let peer = peers.get(socket);
  if (peer === undefined) {
    const cert = socket.getPeerX509Certificate();
    const uri = cert?.subjectAltName?.split(', ').find((name) => name.startsWith('URI:'));
    peer = uri ? `URI=${uri.slice(4)}` : null;
    peers.set(socket, peer);
  }
  return peer;
}

const server = createServer(
  {
    cert: readFileSync(certPath),
    key: readFileSync(keyPath),
    ca: readFileSync(caPath),
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    requestCert: true,
    rejectUnauthorized: true,
    keepAliveTimeout: 60_000,
  },
  (req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      const body = JSON.stringify({
        app: 'echo',
        method: req.method,
        path: req.url,
        peer: peerOf(req.socket as TLSSocket),
        request_id: req.headers['x-request-id'] ?? null,
        body_bytes: bytes,
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  },
);

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: 'direct', port: (server.address() as AddressInfo).port })}\n`);
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
