// Loading signature key files: the inbound key registries (public keys by keyid, each bound to
// an identity) and the egress signing keys. Problems are reported with their key path, like
// every other file the config names; files are re-read on every reload.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { keyProblem, type SignatureAlgorithm } from '../signatures/algorithms.js';
import { importSigningKey, importVerifyKey } from '../signatures/keys.js';
import type { Config } from './schema.js';

export interface LoadedVerifyKey {
  readonly keyid: string;
  readonly algorithm: SignatureAlgorithm;
  readonly key: KeyObject;
  /** Identity pattern text (compiled by the runtime). */
  readonly identity: string;
}

export interface LoadedSigningKey {
  readonly keyid: string;
  readonly algorithm: SignatureAlgorithm;
  readonly key: KeyObject;
}

export interface SignatureMaterial {
  /** Inbound listener name → keyid → key. */
  readonly inbound: ReadonlyMap<string, ReadonlyMap<string, LoadedVerifyKey>>;
  /** Egress listener name → signing key. */
  readonly egress: ReadonlyMap<string, LoadedSigningKey>;
}

function readKeyFile(baseDir: string, file: string, where: string, errors: string[]): string | undefined {
  try {
    return readFileSync(resolve(baseDir, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    errors.push(`${where}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? 'error'})`}: ${file}`);
    return undefined;
  }
}

export function loadSignatureMaterial(config: Config, baseDir: string, errors: string[]): SignatureMaterial {
  const inbound = new Map<string, Map<string, LoadedVerifyKey>>();
  config.inbound.forEach((listener, index) => {
    const section = listener.signatures;
    if (!section) return;
    const keys = new Map<string, LoadedVerifyKey>();
    section.keys.forEach((entry, keyIndex) => {
      const field = entry.key !== undefined ? 'key' : 'jwks';
      const where = `inbound[${index}].signatures.keys[${keyIndex}].${field}`;
      const text = readKeyFile(baseDir, (entry.key ?? entry.jwks) as string, where, errors);
      if (text === undefined) return;
      try {
        const key = importVerifyKey(text, entry.algorithm, entry.jwks !== undefined ? entry.keyid : undefined);
        const problem = keyProblem(entry.algorithm, key);
        if (problem) throw new Error(problem);
        keys.set(entry.keyid, { keyid: entry.keyid, algorithm: entry.algorithm, key, identity: entry.identity });
      } catch (error) {
        errors.push(`${where}: not a usable ${entry.algorithm} key: ${(error as Error).message.split('\n')[0]}`);
      }
    });
    inbound.set(listener.name, keys);
  });
  const egress = new Map<string, LoadedSigningKey>();
  config.egress.forEach((listener, index) => {
    const signing = listener.signing;
    if (!signing) return;
    const where = `egress[${index}].signing.key`;
    const text = readKeyFile(baseDir, signing.key, where, errors);
    if (text === undefined) return;
    try {
      const key = importSigningKey(text, signing.algorithm, signing.keyid);
      const problem = keyProblem(signing.algorithm, key);
      if (problem) throw new Error(problem);
      egress.set(listener.name, { keyid: signing.keyid, algorithm: signing.algorithm, key });
    } catch (error) {
      errors.push(`${where}: not a usable ${signing.algorithm} signing key: ${(error as Error).message.split('\n')[0]}`);
    }
  });
  return { inbound, egress };
}
