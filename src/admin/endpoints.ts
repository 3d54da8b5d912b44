// Which admin endpoints may be served where.
//
// The admin listener must bind the pod IP so the kubelet can probe it and Prometheus can scrape
// it, but some endpoints describe the mesh (every peer identity, token subjects, scopes, recent
// denials, probe findings) and must not be readable by anything on the pod network. The public
// set is an explicit allow-list; every other path is sensitive, so an endpoint added later is
// loopback- or mTLS-only unless someone decides otherwise here.
import { isIP } from 'node:net';

/** Safe for anyone who can reach the admin port: probes and scraping. */
export const PUBLIC_ENDPOINTS: readonly string[] = ['/metrics', '/healthz', '/readyz'];

/** Served only on loopback, or on the inspect listener over mTLS to `admin.inspect.allow`. */
export const SENSITIVE_ENDPOINTS: readonly string[] = ['/identities', '/probes'];

export function isPublicEndpoint(path: string): boolean {
  return PUBLIC_ENDPOINTS.includes(path);
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. 0.0.0.0 and :: bind every interface: not loopback. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return address.startsWith('127.');
  if (family === 6) {
    const lower = address.toLowerCase();
    if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped !== null && (mapped[1] as string).startsWith('127.');
  }
  return false;
}

export interface AdminPlacement {
  /** The admin listener also serves the sensitive endpoints (it is on loopback and no inspect listener is configured). */
  readonly adminServesSensitive: boolean;
  /** The inspect listener to start, if any. */
  readonly inspect?: { readonly address: string; readonly port: number; readonly mtls: boolean };
}

/**
 * Loopback admin, no `inspect`: one listener serves everything (a laptop, the demo).
 * Admin off loopback, no `inspect`: the sensitive endpoints move to 127.0.0.1:9902.
 * `inspect` set: sensitive endpoints only there (mTLS when off loopback, enforced by the schema).
 */
export function placeAdminEndpoints(admin: { address: string; port: number; inspect?: { address: string; port: number; tls?: unknown } }): AdminPlacement {
  if (admin.inspect) return { adminServesSensitive: false, inspect: { address: admin.inspect.address, port: admin.inspect.port, mtls: admin.inspect.tls !== undefined } };
  if (isLoopbackAddress(admin.address)) return { adminServesSensitive: true };
  return { adminServesSensitive: false, inspect: { address: '127.0.0.1', port: 9902, mtls: false } };
}
