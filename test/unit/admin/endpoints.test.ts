import { expect, test } from 'vitest';
import { isLoopbackAddress, isPublicEndpoint, placeAdminEndpoints, PUBLIC_ENDPOINTS, SENSITIVE_ENDPOINTS } from '../../../src/admin/endpoints.js';
import { loadConfigObject } from '../../../src/config/load.js';

test('loopback means 127.0.0.0/8 and ::1 only; the wildcard addresses are not loopback', () => {
  for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(address), address).toBe(true);
  for (const address of ['0.0.0.0', '::', '10.0.0.5', '::ffff:10.0.0.5', 'fe80::1', 'localhost']) expect(isLoopbackAddress(address), address).toBe(false);
});

test('only the listed endpoints are public; sensitive and unknown paths are not', () => {
  expect(PUBLIC_ENDPOINTS).toEqual(['/metrics', '/healthz', '/readyz']);
  for (const path of SENSITIVE_ENDPOINTS) expect(isPublicEndpoint(path)).toBe(false);
  for (const path of ['/probes', '/metrics/', '/METRICS', '/identities/..', '']) expect(isPublicEndpoint(path), path).toBe(false);
});

test('placement: loopback admin serves everything; a pod-IP admin moves sensitive endpoints to loopback', () => {
  expect(placeAdminEndpoints({ address: '127.0.0.1', port: 9901 })).toEqual({ adminServesSensitive: true });
  expect(placeAdminEndpoints({ address: '0.0.0.0', port: 9901 })).toEqual({ adminServesSensitive: false, inspect: { address: '127.0.0.1', port: 9902, mtls: false } });
  expect(placeAdminEndpoints({ address: '0.0.0.0', port: 9901, inspect: { address: '0.0.0.0', port: 9443, tls: {} } })).toEqual({
    adminServesSensitive: false,
    inspect: { address: '0.0.0.0', port: 9443, mtls: true },
  });
});

const listener = { name: 'app', port: 0, tls: { cert: 'c.pem', key: 'k.pem', clientCa: 'ca.pem' }, upstream: { url: 'http://127.0.0.1:1' }, routes: [{ name: 'r', path: '/**', allow: ['*'] }] };
const schemaErrors = (admin: unknown) => {
  const result = loadConfigObject({ admin, inbound: [listener] }, '/nonexistent');
  return result.ok ? [] : result.errors.filter((error) => error.startsWith('admin'));
};

test('schema: an inspect listener off loopback needs tls and an allow-list of SPIFFE IDs', () => {
  expect(schemaErrors({ address: '0.0.0.0', inspect: { address: '0.0.0.0', port: 9443 } })).toEqual([
    'admin.inspect.tls: is required when address 0.0.0.0 is not loopback (sensitive endpoints are served off loopback only over mTLS)',
  ]);
  expect(schemaErrors({ inspect: { address: '0.0.0.0', tls: { cert: 'a', key: 'b', clientCa: 'c' } } })).toEqual([
    'admin.inspect.allow: needs at least one SPIFFE ID when tls is set (who may read the sensitive endpoints)',
  ]);
  expect(schemaErrors({ inspect: { allow: ['spiffe://example.org/platform'] } })).toEqual(['admin.inspect.allow: needs tls: without mTLS there is no identity to check']);
  expect(schemaErrors({ inspect: { tls: { cert: 'a', key: 'b', clientCa: 'c' }, allow: ['*', 'dns:ops.example.org', 'spiffe://Example.org/x'] } })).toEqual([
    'admin.inspect.allow[0]: must be a spiffe:// ID or pattern (no "*", dns: or cn: here)',
    'admin.inspect.allow[1]: must be a spiffe:// ID or pattern (no "*", dns: or cn: here)',
    expect.stringMatching(/^admin\.inspect\.allow\[2\]: not a valid SPIFFE ID pattern/),
  ]);
  expect(schemaErrors({ inspect: { bogus: 1 } })).toEqual(['admin.inspect.bogus: unknown key']);
});
