// The header and path keys added to the schema: defaults, and errors that name the key path.
import { expect, test } from 'vitest';
import { ConfigSchema } from '../../../src/config/schema.js';

const inbound = (extra: Record<string, unknown>) => ({
  inbound: [{ name: 'app', port: 0, tls: { cert: 'c', key: 'k', clientCa: 'ca' }, upstream: { url: 'http://127.0.0.1:8080' }, routes: [{ name: 'all', path: '/**', allow: ['*'] }], ...extra }],
});

const egress = (extra: Record<string, unknown>) => ({
  ...inbound({}),
  egress: [{ name: 'out', port: 0, upstreams: [{ name: 'o', url: 'https://o.example:8443', tls: { cert: 'c', key: 'k', ca: 'ca' }, identity: { dnsName: 'o.example' } }], ...extra }],
});

test('defaults: 100 header fields, replace, reject, path parameters refused', () => {
  const config = ConfigSchema.parse(egress({}));
  const listener = config.inbound[0]!;
  expect(listener.server.maxHeaderCount).toBe(100);
  expect(listener.headers).toEqual({ forwardedFor: 'replace', strip: [], underscores: 'reject' });
  expect(listener.paths.parameters).toBe('reject');
  expect(config.egress[0]!.server.maxHeaderCount).toBe(100);
  expect(config.egress[0]!.headers).toEqual({ strip: [], underscores: 'reject' });
});

test.each([
  [inbound({ server: { maxHeaderCount: 0 } }), 'inbound.0.server.maxHeaderCount'],
  [inbound({ server: { maxHeaderCount: 10_001 } }), 'inbound.0.server.maxHeaderCount'],
  [inbound({ headers: { forwardedFor: 'keep' } }), 'inbound.0.headers.forwardedFor'],
  [inbound({ headers: { underscores: 'fold' } }), 'inbound.0.headers.underscores'],
  [inbound({ headers: { strip: ['X-Upper'] } }), 'inbound.0.headers.strip.0'],
  [inbound({ headers: { strip: ['x-*-mid'] } }), 'inbound.0.headers.strip.0'],
  [inbound({ headers: { stripp: [] } }), 'inbound.0.headers'],
  [inbound({ paths: { parameters: 'keep' } }), 'inbound.0.paths.parameters'],
  [egress({ headers: { forwardedFor: 'replace' } }), 'egress.0.headers'],
  [egress({ server: { maxHeaderCount: -1 } }), 'egress.0.server.maxHeaderCount'],
])('a bad value is an error at its key path (%#)', (raw, path) => {
  const result = ConfigSchema.safeParse(raw);
  expect(result.success).toBe(false);
  if (result.success) return;
  expect(result.error.issues.map((issue) => issue.path.join('.'))).toContain(path);
});
