// One impostor server for one client scenario: a TLS server with the forged certificate (or a
// plain HTTP server, for `plaintext`), listening where the client under test will connect.
// It answers nothing useful (503) and records what the client did: connected, aborted the
// handshake (with OpenSSL's reason), or sent a request (method, path, credential kinds).
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { ClientScenario } from './client-scenarios.js';
import { credentialKinds } from './credentials.js';
import type { PemPair } from './impostor-certs.js';
import type { ObservedRequest } from './scenario.js';

export interface ImpostorObservations {
  connections: number;
  handshakes: number;
  /** Why handshakes failed, as OpenSSL/Node said it (bounded). */
  handshakeErrors: string[];
  requests: ObservedRequest[];
}

export interface RunningImpostor {
  readonly port: number;
  readonly observed: ImpostorObservations;
  /** Resolves once every accepted connection has closed, or after `maxWaitMs`. */
  settle(maxWaitMs: number): Promise<void>;
  close(): Promise<void>;
}

const MAX_ERRORS = 8;

function pathOnly(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] ?? '/';
  // Bounded and printable: the path comes from the client under test.
  return path.length > 200 ? `${path.slice(0, 200)}…` : path.replace(/[^\x21-\x7e]/g, '?');
}

export async function startImpostor(scenario: ClientScenario, material: PemPair | undefined, address: string, port: number): Promise<RunningImpostor> {
  const observed: ImpostorObservations = { connections: 0, handshakes: 0, handshakeErrors: [], requests: [] };
  const open = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket as TLSSocket;
    const presented = typeof socket.getPeerCertificate === 'function' && Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
    observed.requests.push({ method: (req.method ?? '?').slice(0, 16), path: pathOnly(req.url), credentials: credentialKinds(req.headers, presented) });
    req.resume();
    const body = '{"error":"palisade drill impostor: this server is not who the client meant to call"}';
    res.writeHead(503, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
  };
  const noteError = (message: string) => {
    if (observed.handshakeErrors.length < MAX_ERRORS) observed.handshakeErrors.push(message);
  };
  const server =
    scenario.certificate === 'none' || !material
      ? createHttpServer(handler)
      : createHttpsServer(
          {
            cert: material.certPem,
            key: material.keyPem,
            requestCert: scenario.requestClientCert,
            rejectUnauthorized: false,
            // An impostor offers what it must to be accepted by a lax client: OpenSSL's
            // security level 0 lets it use RSA-1024, SHA-1 and TLS 1.0.
            ciphers: 'DEFAULT@SECLEVEL=0',
            ...(scenario.protocol === 'tls10' ? { minVersion: 'TLSv1' as const, maxVersion: 'TLSv1' as const } : { minVersion: 'TLSv1' as const }),
          },
          handler,
        );
  server.on('connection', (socket: Socket) => {
    observed.connections += 1;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
  });
  const secured = new WeakSet<Socket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    observed.handshakes += 1;
    secured.add(socket);
  });
  type OpenSslError = NodeJS.ErrnoException & { reason?: string };
  const why = (error: OpenSslError) => error.reason ?? error.code ?? (error.message.split('\n')[0] as string);
  // https.Server re-emits a failed handshake (tlsClientError) as clientError.
  server.on('clientError', (error: OpenSslError, socket: Socket) => {
    if (scenario.certificate === 'none') {
      noteError(error.code?.startsWith('HPE_') ? 'spoke TLS to the plaintext impostor and sent no plaintext request' : `closed the connection without a request (${why(error)})`);
    } else if (secured.has(socket)) {
      noteError(`completed the handshake, then closed without a request (${why(error)})`);
    } else {
      noteError(`aborted the handshake (${why(error)})`);
    }
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    observed,
    async settle(maxWaitMs) {
      const until = Date.now() + maxWaitMs;
      while (open.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
