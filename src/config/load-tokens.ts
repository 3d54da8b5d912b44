// The files a listener's `tokens` section names, read at load (and reload) time: JWKS files,
// remote JWKS trust bundles and the jti denylist. A problem is reported with its key path and
// fails the load, so a reload with a broken JWKS keeps the running keys.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from './schema.js';
import { JwksError, KeySet, parseJwks } from '../core/jwks.js';

export interface IssuerMaterial {
  /** Keys from a JWKS file. */
  readonly keys?: KeySet;
  /** PEM trust bundle for a remote JWKS endpoint. */
  readonly remoteCa?: string;
}

export interface TokenMaterial {
  /** By issuer name. */
  readonly issuers: ReadonlyMap<string, IssuerMaterial>;
  readonly denylist: ReadonlySet<string>;
  /** PEM trust bundle of the remote denylist (tokens.denylist.remote.ca). */
  readonly denylistRemoteCa?: string;
}

function readText(path: string, baseDir: string, where: string, errors: string[]): string | undefined {
  try {
    return readFileSync(resolve(baseDir, path), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    errors.push(`${where}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? 'error'})`}: ${path}`);
    return undefined;
  }
}

/** One jti per line; blank lines and `#` comments ignored. */
export function parseDenylist(text: string): Set<string> {
  const set = new Set<string>();
  for (const line of text.split('\n')) {
    const value = line.replace(/#.*$/, '').trim();
    if (value !== '') set.add(value);
  }
  return set;
}

export function loadTokenMaterial(config: Config, baseDir: string, errors: string[]): Map<string, TokenMaterial> {
  const out = new Map<string, TokenMaterial>();
  config.inbound.forEach((listener, index) => {
    const tokens = listener.tokens;
    if (!tokens) return;
    const issuers = new Map<string, IssuerMaterial>();
    tokens.issuers.forEach((issuer, issuerIndex) => {
      const where = `inbound[${index}].tokens.issuers[${issuerIndex}]`;
      if (issuer.jwks !== undefined) {
        const text = readText(issuer.jwks, baseDir, `${where}.jwks`, errors);
        if (text === undefined) return;
        try {
          const keys = parseJwks(text);
          if (keys.length === 0) throw new JwksError('has no keys');
          issuers.set(issuer.name, { keys: new KeySet(keys) });
        } catch (error) {
          if (!(error instanceof JwksError)) throw error;
          errors.push(`${where}.jwks: ${error.message}: ${issuer.jwks}`);
        }
      } else if (issuer.remote !== undefined) {
        const text = readText(issuer.remote.ca, baseDir, `${where}.remote.ca`, errors);
        if (text === undefined) return;
        try {
          // At least one parseable certificate; Node's TLS stack takes the bundle as a whole.
          new X509Certificate(text);
          issuers.set(issuer.name, { remoteCa: text });
        } catch {
          errors.push(`${where}.remote.ca: not a PEM certificate bundle: ${issuer.remote.ca}`);
        }
      }
    });
    let denylist = new Set<string>();
    let denylistRemoteCa: string | undefined;
    const file = tokens.denylist?.file;
    if (file !== undefined) {
      const text = readText(file, baseDir, `inbound[${index}].tokens.denylist`, errors);
      if (text !== undefined) denylist = parseDenylist(text);
    }
    const remote = tokens.denylist && 'remote' in tokens.denylist ? tokens.denylist.remote : undefined;
    if (remote !== undefined) {
      const text = readText(remote.ca, baseDir, `inbound[${index}].tokens.denylist.remote.ca`, errors);
      if (text !== undefined) {
        try {
          new X509Certificate(text);
          denylistRemoteCa = text;
        } catch {
          errors.push(`inbound[${index}].tokens.denylist.remote.ca: not a PEM certificate bundle: ${remote.ca}`);
        }
      }
    }
    out.set(listener.name, { issuers, denylist, ...(denylistRemoteCa !== undefined ? { denylistRemoteCa } : {}) });
  });
  return out;
}
