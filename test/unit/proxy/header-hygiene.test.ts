// The header screen: count limit, repeated single fields, repeated dictionary members, "_"
// names that fold onto protected ones, headers.underscores; and what is forwarded.
import { describe, expect, test } from 'vitest';
import { forwardable, forwardedHeaders, screenRequestHeaders, type HeaderPolicy } from '../../../src/proxy/header-hygiene.js';
import { ConfigSchema } from '../../../src/config/schema.js';
import { inboundHeaderPolicy, egressHeaderPolicy } from '../../../src/proxy/header-hygiene.js';

function policy(overrides: { maxHeaderCount?: number; underscores?: 'allow' | 'drop' | 'reject'; strip?: string[]; forwardedFor?: 'replace' | 'append'; tokenHeader?: string } = {}): HeaderPolicy {
  const config = ConfigSchema.parse({
      inbound: [
        {
          name: 'app',
          port: 0,
          tls: { cert: 'c', key: 'k', clientCa: 'ca' },
          upstream: { url: 'http://127.0.0.1:8080' },
          routes: [{ name: 'all', path: '/**', allow: ['*'] }],
          server: { maxHeaderCount: overrides.maxHeaderCount ?? 100 },
          headers: { underscores: overrides.underscores ?? 'reject', strip: overrides.strip ?? [], forwardedFor: overrides.forwardedFor ?? 'replace' },
          ...(overrides.tokenHeader ? { tokens: { header: overrides.tokenHeader, issuers: [{ name: 'idp', issuer: 'https://idp.example', audiences: ['app'], jwks: 'jwks.json' }] } } : {}),
        },
      ],
  });
  return inboundHeaderPolicy(config.inbound[0]!);
}

const flat = (...pairs: Array<[string, string]>) => pairs.flat();
/** Screen a header block that also carries the Host every HTTP/1.1 request needs. */
const screen = (raw: string[], with_: HeaderPolicy) => screenRequestHeaders(['Host', 'h', ...raw], with_);

describe('screenRequestHeaders', () => {
  test('at the count limit passes; one over is too_many_headers', () => {
    const fields = Array.from({ length: 10 }, (_, i): [string, string] => [`x-${i}`, 'v']);
    expect(screen(flat(...fields), policy({ maxHeaderCount: 11 }))).toBeUndefined();
    expect(screen(flat(...fields, ['x-extra', 'v']), policy({ maxHeaderCount: 11 }))).toMatchObject({ reason: 'too_many_headers' });
  });

  test.each(['Host', 'host', 'Authorization', 'Content-Type', 'X-Request-Id', 'Origin', 'User-Agent'])('two %s lines are malformed_request', (name) => {
    expect(screen(flat([name, 'a'], [name.toUpperCase(), 'b']), policy())).toMatchObject({ reason: 'malformed_request' });
  });

  test('the listener’s token header (tokens.header) must be single too', () => {
    expect(screen(flat(['X-Auth-Token', 'Bearer a'], ['x-auth-token', 'Bearer b']), policy({ tokenHeader: 'x-auth-token' }))).toMatchObject({ reason: 'malformed_request' });
    expect(screen(flat(['X-Auth-Token', 'Bearer a'], ['x-auth-token', 'Bearer b']), policy())).toBeUndefined();
    expect(screen(flat(['X_Auth_Token', 'Bearer a']), policy({ tokenHeader: 'x-auth-token', underscores: 'allow' }))).toMatchObject({ reason: 'header_not_allowed' });
  });

  test('list fields may repeat', () => {
    expect(screen(flat(['Accept', 'a'], ['Accept', 'b'], ['X-Forwarded-For', '1.2.3.4'], ['x-forwarded-for', '5.6.7.8']), policy())).toBeUndefined();
  });

  test.each([
    [[['Signature-Input', 'a=("@method");created=1'], ['Signature-Input', 'a=("@path");created=1']]],
    [[['Signature-Input', 'a=("@method");created=1, a=("@path")']]],
    [[['Signature-Input', 'a=("@method");created=1;created=2']]],
    [[['Signature', 'a=:AA==:'], ['signature', 'a=:AQ==:']]],
    [[['Content-Digest', 'sha-256=:AA==:, sha-256=:AQ==:']]],
  ] as Array<[Array<[string, string]>]>)('a repeated dictionary member is malformed_request: %j', (lines) => {
    expect(screen(flat(...lines), policy())).toMatchObject({ reason: 'malformed_request' });
  });

  test('distinct dictionary members across lines pass; unparseable ones are left to the signature check', () => {
    expect(screen(flat(['Signature-Input', 'a=("@method")'], ['Signature-Input', 'b=("@path")']), policy())).toBeUndefined();
    expect(screen(flat(['Signature-Input', 'not a dictionary ((']), policy())).toBeUndefined();
  });

  test.each(['X_Forwarded_Client_Cert', 'x_spiffe_id', 'X_Forwarded_For', 'x-auth_request-user', 'Content_Length', 'TRANSFER_ENCODING', 'x_corp_id'])(
    '%s folds onto a protected name: header_not_allowed in every mode',
    (name) => {
      for (const underscores of ['allow', 'drop', 'reject'] as const) {
        const refusal = screen(flat([name, 'v']), policy({ underscores, strip: ['x-corp-*'] }));
        expect(refusal, underscores).toMatchObject({ reason: 'header_not_allowed' });
        expect(refusal?.detail).toContain('folds onto');
      }
    },
  );

  test('other "_" names follow headers.underscores', () => {
    expect(screen(flat(['x_trace', 'v']), policy({ underscores: 'reject' }))).toMatchObject({ reason: 'header_not_allowed' });
    expect(screen(flat(['x_trace', 'v']), policy({ underscores: 'drop' }))).toBeUndefined();
    expect(screen(flat(['x_trace', 'v']), policy({ underscores: 'allow' }))).toBeUndefined();
  });

  test('Host: exactly one valid authority in HTTP/1.1, optional in HTTP/1.0', () => {
    expect(screenRequestHeaders(['Accept', '*/*'], policy())).toMatchObject({ reason: 'malformed_request' });
    expect(screenRequestHeaders(['Accept', '*/*'], policy(), '1.0')).toBeUndefined();
    for (const host of ['example.org', 'example.org:8443', '127.0.0.1:1', '[::1]:8443', '']) expect(screenRequestHeaders(['Host', host], policy()), host).toBeUndefined();
    for (const host of ['a/b', 'a@b', 'a b', 'a?b', '[::1', 'a:b:c']) expect(screenRequestHeaders(['Host', host], policy()), host).toMatchObject({ reason: 'malformed_request' });
  });

  test('Connection may name hop-by-hop and ordinary fields, not ones the sidecar reads or sets', () => {
    expect(screen(flat(['Connection', 'keep-alive, TE, x-private']), policy())).toBeUndefined();
    for (const named of ['host', 'Authorization', 'content-length', 'x-request-id', 'x-forwarded-client-cert', 'signature']) {
      expect(screen(flat(['Connection', `close, ${named}`]), policy()), named).toMatchObject({ reason: 'malformed_request' });
    }
  });

  test('a refusal never carries a header value', () => {
    const refusal = screen(flat(['Authorization', 'Bearer secret-1'], ['Authorization', 'Bearer secret-2']), policy());
    expect(refusal?.detail).not.toContain('secret');
  });
});

describe('forwarding', () => {
  test('identity headers, configured ones, dropped "_" names and the sidecar-set names are not forwarded', () => {
    const keep = forwardable(policy({ underscores: 'drop', strip: ['x-corp-*'] }));
    for (const name of ['x-spiffe-id', 'x-client-cert', 'x-client-cert-chain', 'x-ssl-client-s-dn', 'x-forwarded-user', 'x-auth-request-email', 'x-original-url', 'x-corp-level', 'x_trace', 'x-forwarded-for', 'forwarded', 'x-real-ip']) {
      expect(keep(name), name).toBe(false);
    }
    for (const name of ['accept', 'x-custom', 'x-user-agent-hint', 'cookie']) expect(keep(name), name).toBe(true);
  });

  test('egress keeps user and forwarding headers, drops certificate identity', () => {
    const config = ConfigSchema.parse({
        inbound: [{ name: 'app', port: 0, tls: { cert: 'c', key: 'k', clientCa: 'ca' }, upstream: { url: 'http://127.0.0.1:8080' }, routes: [{ name: 'all', path: '/**', allow: ['*'] }] }],
        egress: [{ name: 'out', port: 0, upstreams: [{ name: 'o', url: 'https://o.example:8443', tls: { cert: 'c', key: 'k', ca: 'ca' }, identity: { dnsName: 'o.example' } }] }],
    });
    const keep = forwardable(egressHeaderPolicy(config.egress[0]!));
    for (const name of ['x-forwarded-for', 'forwarded', 'x-forwarded-user', 'x-real-ip']) expect(keep(name), name).toBe(true);
    for (const name of ['x-spiffe-id', 'x-client-cert', 'x-ssl-client-verify']) expect(keep(name), name).toBe(false);
  });

  test('X-Forwarded-For, Forwarded and X-Real-IP from the peer address', () => {
    expect(forwardedHeaders(['X-Forwarded-For', '10.6.6.6'], '::ffff:127.0.0.1', 'replace')).toEqual({ 'x-forwarded-for': '127.0.0.1', forwarded: 'for=127.0.0.1;proto=https', 'x-real-ip': '127.0.0.1' });
    expect(forwardedHeaders([], '::1', 'replace')).toEqual({ 'x-forwarded-for': '::1', forwarded: 'for="[::1]";proto=https', 'x-real-ip': '::1' });
    expect(forwardedHeaders(['X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2', 'Forwarded', 'for=1.1.1.1'], '10.0.0.9', 'append')).toEqual({
      'x-forwarded-for': '1.1.1.1, 2.2.2.2, 10.0.0.9',
      forwarded: 'for=1.1.1.1, for=10.0.0.9;proto=https',
      'x-real-ip': '10.0.0.9',
    });
  });
});
