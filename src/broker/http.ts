// Request plumbing for the broker's endpoints: a bounded form body, the verified client
// identity from the mTLS connection, and JSON answers. No endpoint logic here.
import { createHash, type X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { EKU_CLIENT_AUTH, PeerCertFactsCache } from '../tls/peer-certificate.js';
import { readPeer } from '../tls/peer-identity.js';
import type { PeerIdentity } from '../core/identity.js';
import { OAUTH_ERRORS, type OAuthError } from './oauth-errors.js';

const MAX_FORM_BYTES = 16_384;
const FACTS = new PeerCertFactsCache(1024);

export type FormResult = { ok: true; params: Map<string, string[]> } | { ok: false; detail: string };

/** An application/x-www-form-urlencoded body, at most 16 KiB. */
export async function readForm(req: IncomingMessage): Promise<FormResult> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    return { ok: false, detail: 'the body must be application/x-www-form-urlencoded' };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return { ok: false, detail: `the body is larger than ${MAX_FORM_BYTES} bytes` };
    chunks.push(chunk);
  }
  const params = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
    const list = params.get(name) ?? [];
    list.push(value);
    params.set(name, list);
  }
  return { ok: true, params };
}

/** RFC 6749 §3.2: a parameter sent more than once is an invalid request. */
export function single(params: Map<string, string[]>, name: string): { value: string | undefined } | { repeated: true } {
  const values = params.get(name);
  if (!values || values.length === 0) return { value: undefined };
  if (values.length > 1) return { repeated: true };
  return { value: values[0] };
}

export interface ClientIdentity {
  readonly identity: PeerIdentity & { kind: 'spiffe' };
  /** RFC 8705 §3.1: base64url SHA-256 of the certificate's DER. */
  readonly x5tS256: string;
}

/**
 * RFC 8705 tls_client_auth with SPIFFE: the verified client certificate's one SPIFFE ID is the
 * client_id. A certificate that did not chain to clientCa, is not for client authentication,
 * or carries no (or more than one) SPIFFE ID identifies nobody.
 */
export function clientIdentity(req: IncomingMessage): { ok: true; client: ClientIdentity } | { ok: false; detail: string } {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) {
    const cert = socket.getPeerX509Certificate?.();
    return { ok: false, detail: cert ? `client certificate not trusted: ${String(socket.authorizationError ?? 'unverified')}` : 'no client certificate' };
  }
  const cert = socket.getPeerX509Certificate() as X509Certificate;
  const peer = readPeer(cert, ['spiffe'], FACTS);
  const ekus = peer.certificate?.extendedKeyUsages;
  if (!ekus || !ekus.includes(EKU_CLIENT_AUTH)) return { ok: false, detail: 'client certificate is not for client authentication (no clientAuth extendedKeyUsage)' };
  if (!peer.identity || peer.identity.kind !== 'spiffe') return { ok: false, detail: peer.identityProblem ?? 'client certificate has no SPIFFE ID' };
  return { ok: true, client: { identity: peer.identity, x5tS256: createHash('sha256').update(cert.raw).digest('base64url') } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', pragma: 'no-cache', ...headers });
  res.end(text);
}

/** RFC 6749 §5.2 error answer. invalid_client over mTLS gets no WWW-Authenticate: there is no scheme to retry with. */
export function sendOAuthError(res: ServerResponse, error: OAuthError, description: string): void {
  sendJson(res, OAUTH_ERRORS[error].status, { error, error_description: description.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '') });
}
