// An mTLS upstream for egress token tests: node:https on 127.0.0.1:0 requiring a client
// certificate from the test CA, recording the Authorization each request carried and its body,
// and answering through a handler the test controls (e.g. 401 invalid_token for one token).
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CertFiles, TestPki } from './pki.js';

export interface TokenSeen {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

export interface TokenUpstream {
  readonly url: string;
  readonly port: number;
  readonly seen: TokenSeen[];
  /** Decide the answer: return a status and headers, or undefined for 200 {"ok":true}. */
  answer: (seen: TokenSeen, req: IncomingMessage, res: ServerResponse) => void | 'handled';
  close(): Promise<void>;
}

export const bearerOf = (seen: TokenSeen) => seen.authorization?.replace(/^Bearer /, '');

export async function startTokenUpstream(pki: TestPki, identity: CertFiles): Promise<TokenUpstream> {
  const seen: TokenSeen[] = [];
  const upstream: TokenUpstream = {
    url: '',
    port: 0,
    seen,
    answer: () => undefined,
    close: async () => undefined,
  };
  const server = createServer({ cert: identity.certPem, key: identity.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body };
      seen.push(entry);
      if (upstream.answer(entry, req, res) === 'handled') return;
      const text = JSON.stringify({ ok: true, body });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    });
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(upstream, {
    url: `https://127.0.0.1:${port}`,
    port,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** 401 with the RFC 6750 challenge that asks for a new token. */
export function invalidToken(res: ServerResponse): 'handled' {
  const text = JSON.stringify({ error: 'unauthorized', reason: 'token_invalid' });
  res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  return 'handled';
}
