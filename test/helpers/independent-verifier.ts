// An independent RFC 9421 verifier for egress tests: a real mTLS upstream (node:https on
// 127.0.0.1:0) that checks each request's signature with node:crypto and its own reading of
// the RFC, not src/signatures: its own field parsing, its own signature base, its own
// Content-Digest. It answers 200 when the signature holds and 401 with the problem otherwise,
// and records every verdict.
import { createHash, verify, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { CertFiles, TestPki } from './pki.js';

export interface Verdict {
  readonly ok: boolean;
  readonly problem?: string;
  readonly keyid?: string;
  readonly components: readonly string[];
  readonly params: Record<string, string | number>;
  readonly base?: string;
  readonly body: string;
}

export interface IndependentVerifier {
  readonly server: Server;
  readonly url: string;
  readonly verdicts: Verdict[];
  close(): Promise<void>;
}

const MEMBER = /^([a-z*][a-z0-9_.*-]*)=(\(((?:"[^"\\]*"\s?)*)\)((?:;[a-z*][a-z0-9_.*-]*=(?:"[^"\\]*"|-?\d+))*))$/;

function componentValue(name: string, req: IncomingMessage): string | undefined {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const host = (req.headers.host ?? '').toLowerCase();
  switch (name) {
    case '@method':
      return req.method;
    case '@authority':
      return host.endsWith(':443') ? host.slice(0, -4) : host;
    case '@path':
      return q === -1 ? url : url.slice(0, q);
    case '@query':
      return q === -1 ? '?' : url.slice(q);
    case '@target-uri':
      return `https://${host}${url}`;
    default: {
      if (name.startsWith('@')) return undefined;
      const value = req.headers[name];
      return typeof value === 'string' ? value.trim() : undefined;
    }
  }
}

/** keys: keyid → Ed25519 public key. maxAgeSeconds bounds `created`. */
export async function startIndependentVerifier(pki: TestPki, identity: CertFiles, keys: ReadonlyMap<string, KeyObject>, maxAgeSeconds = 60): Promise<IndependentVerifier> {
  const verdicts: Verdict[] = [];
  const judge = (req: IncomingMessage, body: Buffer): Verdict => {
    const bad = (problem: string, extra: Partial<Verdict> = {}): Verdict => ({ ok: false, problem, components: [], params: {}, body: body.toString('utf8'), ...extra });
    const input = req.headers['signature-input'];
    const signature = req.headers['signature'];
    if (typeof input !== 'string' || typeof signature !== 'string') return bad('no Signature-Input / Signature');
    const member = MEMBER.exec(input);
    if (!member) return bad(`Signature-Input not understood: ${input}`);
    const [, label, paramsValue, list, paramText] = member as unknown as [string, string, string, string, string];
    const components = [...list.matchAll(/"([^"]+)"/g)].map((match) => match[1] as string);
    const params: Record<string, string | number> = {};
    for (const match of paramText.matchAll(/;([a-z*][a-z0-9_.*-]*)=("([^"]*)"|-?\d+)/g)) params[match[1] as string] = match[3] !== undefined ? match[3] : Number(match[2]);
    const sig = new RegExp(`^${label}=:([A-Za-z0-9+/]+={0,2}):$`).exec(signature);
    if (!sig) return bad('Signature not understood', { components, params });
    const keyid = String(params['keyid'] ?? '');
    const key = keys.get(keyid);
    if (!key) return bad(`unknown keyid ${keyid}`, { components, params });
    const now = Date.now() / 1000;
    const created = Number(params['created']);
    if (!Number.isInteger(created) || created > now + 5 || now - created > maxAgeSeconds) return bad('created missing or out of window', { components, params, keyid });
    if (params['expires'] !== undefined && Number(params['expires']) < now) return bad('expired', { components, params, keyid });
    const lines: string[] = [];
    for (const name of components) {
      const value = componentValue(name, req);
      if (value === undefined) return bad(`cannot derive ${name}`, { components, params, keyid });
      lines.push(`"${name}": ${value}`);
    }
    lines.push(`"@signature-params": ${paramsValue}`);
    const base = lines.join('\n');
    if (!verify(null, Buffer.from(base, 'utf8'), key, Buffer.from(sig[1] as string, 'base64'))) return bad('signature does not verify', { components, params, keyid, base });
    if (body.length > 0) {
      if (!components.includes('content-digest')) return bad('body present but content-digest not covered', { components, params, keyid, base });
      const expected = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
      if (req.headers['content-digest'] !== expected) return bad(`content-digest ${String(req.headers['content-digest'])} is not ${expected}`, { components, params, keyid, base });
    }
    return { ok: true, keyid, components, params, base, body: body.toString('utf8') };
  };
  const server = createServer({ cert: identity.certPem, key: identity.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const verdict = judge(req, Buffer.concat(chunks));
      verdicts.push(verdict);
      const text = JSON.stringify({ ok: verdict.ok, problem: verdict.problem ?? null });
      res.writeHead(verdict.ok ? 200 : 401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    url: `https://127.0.0.1:${port}`,
    verdicts,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
