// A real mTLS upstream for egress tests: node:https on 127.0.0.1:0 that requires a client
// certificate from the test CA and records what it saw: each HTTP request (with the client
// certificate's SPIFFE ID, to prove which identity the sidecar presented) and each TLS
// connection it completed ('secureConnection'), to count connection reuse.
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SecureVersion, TLSSocket } from 'node:tls';
import { parseSubjectAltNames } from '../../src/tls/subject-alt-names.js';
import type { CertFiles, TestPki } from './pki.js';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The URI SANs of the client certificate the request came with. */
  readonly clientUris: readonly string[];
}

export interface TlsUpstream {
  readonly server: Server;
  readonly port: number;
  /** https://127.0.0.1:PORT */
  readonly url: string;
  readonly received: SeenRequest[];
  /** TLS connections the server completed (its 'secureConnection' events). */
  secureConnections(): number;
  close(): Promise<void>;
}

export interface TlsUpstreamOptions {
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** OpenSSL cipher string (e.g. with @SECLEVEL=0, so a test upstream can serve a deliberately weak key). */
  ciphers?: string;
}

export async function startTlsUpstream(pki: TestPki, identity: CertFiles, options: TlsUpstreamOptions = {}): Promise<TlsUpstream> {
  const received: SeenRequest[] = [];
  let connections = 0;
  const server = createServer(
    { cert: identity.certPem, key: identity.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true, ...options },
    (req, res) => {
      const cert = (req.socket as TLSSocket).getPeerX509Certificate();
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, clientUris: parseSubjectAltNames(cert?.subjectAltName).uris });
      req.resume();
      req.on('end', () => {
        const text = JSON.stringify({ ok: true, url: req.url });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    },
  );
  server.on('secureConnection', () => (connections += 1));
  // A refused handshake (the sidecar hanging up on an impostor) is expected, not a crash.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `https://127.0.0.1:${port}`,
    received,
    secureConnections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
