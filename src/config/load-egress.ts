// Loading the egress section's files: each upstream's own certificate, key and trust bundle, and
// the trust bundle of its token endpoint (`token.ca`).
// Kept beside load.ts so the inbound loader stays as it is; load.ts calls both.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MaterialError } from '../tls/material.js';
import { loadUpstreamTls, type UpstreamTlsMaterial } from '../tls/upstream-material.js';
import type { Config, EgressUpstreamConfig } from './schema.js';

/** Material is looked up as `listener/upstream` (LoadedConfig.egressTls). */
export function egressMaterialKey(listener: string, upstream: string): string {
  return `${listener}/${upstream}`;
}

const FILE_KEYS = ['cert', 'key', 'ca'] as const;

/** Material for every egress upstream, keyed `listener/upstream`; problems are pushed to `errors`. */
export function loadEgressTls(config: Config, baseDir: string, errors: string[]): Map<string, UpstreamTlsMaterial> {
  const out = new Map<string, UpstreamTlsMaterial>();
  config.egress.forEach((listener, index) => {
    listener.upstreams.forEach((upstream, upstreamIndex) => {
      try {
        out.set(egressMaterialKey(listener.name, upstream.name), loadUpstreamTls(upstream, baseDir, `egress[${index}].upstreams[${upstreamIndex}]`));
      } catch (error) {
        if (error instanceof MaterialError) errors.push(...error.messages);
        else throw error;
      }
    });
  });
  return out;
}

/** Read each upstream's `token.ca` (when set), keyed `listener/upstream`; problems are pushed to `errors` with their key path. */
export function loadEgressTokenCas(config: { egress: ReadonlyArray<{ name: string; upstreams: readonly EgressUpstreamConfig[] }> }, baseDir: string, errors: string[]): Map<string, string> {
  const out = new Map<string, string>();
  config.egress.forEach((listener, index) => {
    listener.upstreams.forEach((upstream, upstreamIndex) => {
      const file = upstream.token?.ca;
      if (file === undefined) return;
      const where = `egress[${index}].upstreams[${upstreamIndex}].token.ca`;
      try {
        const pem = readFileSync(resolve(baseDir, file), 'utf8');
        new X509Certificate(pem);
        out.set(`${listener.name}/${upstream.name}`, pem);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        errors.push(`${where}: ${code === 'ENOENT' ? 'file not found' : code ? `cannot read (${code})` : 'not a PEM certificate bundle'}: ${file}`);
      }
    });
  });
  return out;
}

/** Missing files of a document that failed the schema, reported with the schema errors. */
export function missingEgressFiles(raw: unknown, baseDir: string): string[] {
  const egress = (raw as { egress?: unknown } | null)?.egress;
  if (!Array.isArray(egress)) return [];
  const errors: string[] = [];
  egress.forEach((listener: unknown, index) => {
    const upstreams = (listener as { upstreams?: unknown } | null)?.upstreams;
    if (!Array.isArray(upstreams)) return;
    upstreams.forEach((upstream: unknown, upstreamIndex) => {
      const tls = (upstream as { tls?: Record<string, unknown> } | null)?.tls;
      if (!tls || typeof tls !== 'object') return;
      for (const key of FILE_KEYS) {
        const file = tls[key];
        if (typeof file === 'string' && file !== '' && !existsSync(resolve(baseDir, file))) {
          errors.push(`egress[${index}].upstreams[${upstreamIndex}].tls.${key}: file not found: ${file}`);
        }
      }
    });
  });
  return errors;
}
