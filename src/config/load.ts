// Loading a config: YAML → strict schema → file and TLS material checks. Every problem is
// reported at once, each as "key.path[0]: what is wrong", so one run of `palisade validate`
// shows everything to fix.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { loadListenerTls, MaterialError, type ListenerTlsMaterial } from '../tls/material.js';
import { loadEgressTls, loadEgressTokenCas, missingEgressFiles } from './load-egress.js';
import type { UpstreamTlsMaterial } from '../tls/upstream-material.js';
import { formatPath } from '../core/key-path.js';
import { ConfigSchema, type Config } from './schema.js';
import { loadTokenMaterial, type TokenMaterial } from './load-tokens.js';
import { loadSignatureMaterial, type SignatureMaterial } from './load-signatures.js';
import { loadAdminTls, type AdminTlsMaterial } from './load-admin.js';
import { probeFileErrors } from './load-probes.js';
import { deepFreeze } from './freeze.js';

export interface LoadedConfig {
  readonly config: Config;
  /** Relative file paths in the config resolve against this directory: the config file's own. */
  readonly baseDir: string;
  readonly tls: ReadonlyMap<string, ListenerTlsMaterial>;
  /** Egress upstream material, keyed `listener/upstream`. */
  readonly egressTls: ReadonlyMap<string, UpstreamTlsMaterial>;
  /** Token files (JWKS, remote JWKS trust bundles, jti denylist) by inbound listener name. */
  readonly tokens: ReadonlyMap<string, TokenMaterial>;
  /** Signature keys: inbound key registries and egress signing keys. */
  readonly signatures: SignatureMaterial;
  /** The inspect listener's mTLS material, when admin.inspect.tls is set. */
  readonly adminTls?: AdminTlsMaterial;
  /** Trust bundles of egress token endpoints (`token.ca`), keyed `listener/upstream`. */
  readonly egressTokenCas: ReadonlyMap<string, string>;
}

export type LoadResult = { ok: true; value: LoadedConfig } | { ok: false; errors: string[] };

function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`);
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [`${formatPath(issue.path)}: is required`];
  }
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

const TLS_FILE_KEYS = ['cert', 'key', 'clientCa'] as const;

/**
 * File existence for a document that failed the schema, so one run reports the missing files
 * with the schema errors. Only looks at values that are strings where a path belongs.
 */
function missingFiles(raw: unknown, baseDir: string): string[] {
  const inbound = (raw as { inbound?: unknown } | null)?.inbound;
  if (!Array.isArray(inbound)) return [];
  const errors: string[] = [];
  inbound.forEach((listener: unknown, index) => {
    const tls = (listener as { tls?: Record<string, unknown> } | null)?.tls;
    if (!tls || typeof tls !== 'object') return;
    for (const key of TLS_FILE_KEYS) {
      const file = tls[key];
      if (typeof file === 'string' && file !== '' && !existsSync(resolve(baseDir, file))) {
        errors.push(`inbound[${index}].tls.${key}: file not found: ${file}`);
      }
    }
    const crl = tls['crl'];
    if (Array.isArray(crl)) {
      crl.forEach((file: unknown, crlIndex) => {
        if (typeof file === 'string' && file !== '' && !existsSync(resolve(baseDir, file))) errors.push(`inbound[${index}].tls.crl[${crlIndex}]: file not found: ${file}`);
      });
    }
  });
  return errors;
}

/** Validate an already-parsed document. `baseDir` resolves relative certificate paths. */
export function loadConfigObject(raw: unknown, baseDir: string): LoadResult {
  // reportInput: zod then keeps the offending value on the issue, so a value of the wrong type
  // ("5" for a number) is told from a missing one (describeIssue); the value is never printed.
  const parsed = ConfigSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: [...parsed.error.issues.flatMap(describeIssue), ...missingFiles(raw, baseDir), ...missingEgressFiles(raw, baseDir)] };
  const config = deepFreeze(parsed.data);
  const errors: string[] = [];
  const tls = new Map<string, ListenerTlsMaterial>();
  config.inbound.forEach((listener, index) => {
    try {
      tls.set(listener.name, loadListenerTls(listener, baseDir, `inbound[${index}]`));
    } catch (error) {
      if (error instanceof MaterialError) errors.push(...error.messages);
      else throw error;
    }
  });
  const egressTls = loadEgressTls(config, baseDir, errors);
  const tokens = loadTokenMaterial(config, baseDir, errors);
  const signatures = loadSignatureMaterial(config, baseDir, errors);
  const adminTls = loadAdminTls(config, baseDir, errors);
  errors.push(...probeFileErrors(config, baseDir));
  const egressTokenCas = loadEgressTokenCas(config, baseDir, errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { config, baseDir, tls, egressTls, tokens, signatures, egressTokenCas, ...(adminTls ? { adminTls } : {}) } };
}

export function loadConfigFile(path: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, errors: [`${path}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? 'error'})`}`] };
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      errors: document.errors.map((error) => {
        const where = error.linePos?.[0];
        const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        return `${path}: YAML syntax error: ${message}${where ? ` (line ${where.line}, column ${where.col})` : ''}`;
      }),
    };
  }
  return loadConfigObject(document.toJS(), dirname(resolve(path)));
}
