// The inspect listener's mTLS material (admin.inspect.tls), loaded and checked like a
// listener's: the key matches, the certificate is valid now, the client CA is a CA.
import type { SecureContextOptions } from 'node:tls';
import { createSecureContext } from 'node:tls';
import type { Config } from './schema.js';
import { loadCertAndKey, loadTrustBundle, MaterialError, summary, type CertSummary } from '../tls/material.js';

export interface AdminTlsMaterial {
  readonly contextOptions: SecureContextOptions;
  readonly server: CertSummary;
  readonly trustAnchors: readonly CertSummary[];
}

export function loadAdminTls(config: Config, baseDir: string, errors: string[], now = new Date()): AdminTlsMaterial | undefined {
  const tls = config.admin.inspect?.tls;
  if (!tls) return undefined;
  try {
    const { certPem, keyPem, leaf } = loadCertAndKey('admin.inspect.tls.cert', 'admin.inspect.tls.key', baseDir, tls.cert, tls.key, now);
    const { pem: caPem, anchors } = loadTrustBundle('admin.inspect.tls.clientCa', baseDir, tls.clientCa);
    const contextOptions: SecureContextOptions = { cert: certPem, key: keyPem, ca: caPem, minVersion: 'TLSv1.2' };
    try {
      createSecureContext(contextOptions);
    } catch (error) {
      throw new MaterialError('admin.inspect.tls', `OpenSSL refused the material: ${(error as Error).message.split('\n')[0]}`);
    }
    return { contextOptions, server: summary(leaf), trustAnchors: anchors.map(summary) };
  } catch (error) {
    if (error instanceof MaterialError) {
      errors.push(error.message);
      return undefined;
    }
    throw error;
  }
}
