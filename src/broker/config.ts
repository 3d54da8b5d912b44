// The broker's own config file (broker.yaml): where it listens, its TLS material, its signing
// keys, the grants file, the token ceiling, who may revoke, and where its state lives. Strict
// like the sidecar's: an unknown key is an error, reported with its key path.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../core/duration.js';
import { formatPath } from '../core/key-path.js';
import { validateIdentityPattern } from '../core/identity-pattern.js';

const Duration = z.string().superRefine((value, ctx) => {
  try {
    parseDuration(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});
const FilePath = z.string().min(1, { error: 'must be a file path' });
const IdentityPatternText = z.string().superRefine((value, ctx) => {
  const problem = validateIdentityPattern(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const Address = z.string().min(1);
const Port = z.number().int().min(0).max(65535);

/** `file:PATH` (one broker, append-only file) or `redis://…` / `rediss://…` (replicas share it). */
const Store = z.string().refine((value) => value.startsWith('file:') || value.startsWith('redis://') || value.startsWith('rediss://'), {
  error: 'must be file:PATH (one broker) or redis://HOST:PORT[/DB] (replicas sharing state)',
});

export const BrokerConfigSchema = z.strictObject({
  /** The `iss` of every token, and the metadata's `issuer` (RFC 8414: an https URL). */
  issuer: z.url({ protocol: /^https$/, error: 'must be an https:// URL (RFC 8414 issuer identifier)' }),
  listen: z.strictObject({ address: Address.default('0.0.0.0'), port: Port.default(8443) }).prefault({}),
  tls: z.strictObject({
    cert: FilePath,
    key: FilePath,
    /** Trust bundle for client certificates: a client is authenticated by mTLS (RFC 8705 tls_client_auth) only. */
    clientCa: FilePath,
    minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
  }),
  admin: z.strictObject({ address: Address.default('127.0.0.1'), port: Port.default(9902) }).prefault({}),
  keys: z
    .strictObject({
      /** Private signing keys live here, one file each, mode 0600. */
      dir: FilePath,
      algorithm: z.enum(['ES256', 'EdDSA']).default('ES256'),
      /** Automatic rotation interval, or null for manual rotation only (`palisade broker keys rotate`). */
      rotateEvery: Duration.nullable().default(null),
      /**
       * A rotated-in key is published this long before it signs, so sidecars' JWKS caches
       * (tokens.issuers[].remote.cacheMs, default 5 minutes) hold it before its first token.
       */
      prepublish: Duration.default('5m'),
    })
    .superRefine((keys, ctx) => {
      if (keys.rotateEvery === null) return;
      try {
        if (parseDuration(keys.rotateEvery) <= parseDuration(keys.prepublish)) ctx.addIssue({ code: 'custom', path: ['rotateEvery'], message: 'must be longer than keys.prepublish' });
      } catch {
        // the durations themselves are reported by their own keys
      }
    }),
  /** The grants policy file (hot-reloaded). */
  grants: FilePath,
  tokens: z
    .strictObject({
      /** No token lives longer than this, whatever a grant says. */
      maxLifetime: Duration.default('1h'),
    })
    .prefault({}),
  /** Identities allowed to call POST /revoke. */
  admins: z.array(IdentityPatternText).default([]),
  store: Store,
  /** Where audit lines go besides stdout (append, one JSON line each); null for stdout only. */
  auditFile: FilePath.nullable().default(null),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info') }).prefault({}),
  reload: z.strictObject({ debounceMs: z.number().int().positive().default(300) }).prefault({}),
});

export type BrokerConfig = z.output<typeof BrokerConfigSchema>;

export interface LoadedBrokerConfig {
  readonly config: BrokerConfig;
  readonly baseDir: string;
  /** Resolved against baseDir. */
  resolvePath(path: string): string;
}

export type BrokerLoadResult = { ok: true; value: LoadedBrokerConfig } | { ok: false; errors: string[] };

export function loadBrokerObject(raw: unknown, baseDir: string): BrokerLoadResult {
  const parsed = BrokerConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys' ? issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`) : [`${formatPath(issue.path)}: ${issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message}`],
      ),
    };
  }
  return { ok: true, value: { config: parsed.data, baseDir, resolvePath: (path) => resolve(baseDir, path) } };
}

export function readYamlFile(path: string): { ok: true; value: unknown } | { ok: false; error: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, error: `${path}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? 'error'})`}` };
  }
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) return { ok: false, error: `${path}: YAML syntax error: ${(document.errors[0]?.message ?? '').split('\n')[0]}` };
  return { ok: true, value: document.toJS() };
}

export function loadBrokerFile(path: string): BrokerLoadResult {
  const read = readYamlFile(path);
  if (!read.ok) return { ok: false, errors: [read.error] };
  return loadBrokerObject(read.value, dirname(resolve(path)));
}
