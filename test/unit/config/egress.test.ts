// The egress config section: optional, documented defaults, and every mistake reported with
// its key path (schema errors and missing files together, then TLS material problems).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfigObject } from '../../../src/config/load.js';
import { DEFAULT_TLS12_CIPHERS } from '../../../src/config/schema.js';
import { egressConfig, egressUpstream } from '../../helpers/egress.js';
import { makePki, type TestPki } from '../../helpers/pki.js';
import { sidecarConfig } from '../../helpers/sidecar.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki.cleanup());

const good = () => egressConfig(pki, [egressUpstream(pki, 'orders', 'https://orders.internal:8443')]) as Record<string, any>;

function errorsOf(config: unknown): string[] {
  const result = loadConfigObject(config, pki.dir);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors;
}

describe('egress config', () => {
  test('is optional', () => {
    const result = loadConfigObject(sidecarConfig(pki, { upstreamUrl: 'http://127.0.0.1:8080' }), pki.dir);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.config.egress).toEqual([]);
  });

  test('defaults are filled in and the material loads', () => {
    const config = good();
    delete config.egress[0].address;
    const result = loadConfigObject(config, pki.dir);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const listener = result.value.config.egress[0]!;
    expect(listener.address).toBe('127.0.0.1');
    const upstream = listener.upstreams[0]!;
    expect(upstream.tls.minVersion).toBe('TLSv1.2');
    expect(upstream.tls.maxVersion).toBe('TLSv1.3');
    expect(upstream.tls.ciphers).toBe(DEFAULT_TLS12_CIPHERS);
    expect(upstream.connectTimeoutMs).toBe(5000);
    expect(upstream.connections).toBe(128);
    expect(result.value.egressTls.get('out/orders')?.clientUri).toBe('spiffe://test.palisade.local/ns/app/sa/server');
  });

  test('schema errors and missing files, each with its key path', () => {
    const config = good();
    const upstream = config.egress[0].upstreams[0];
    config.egress[0].address = '0.0.0.0';
    config.egress[0].surprise = true;
    upstream.url = 'http://orders.internal:8443';
    upstream.identity = {};
    upstream.tls.ca = 'missing-ca.pem';
    upstream.tls.minVersion = 'TLSv1.3';
    upstream.tls.maxVersion = 'TLSv1.2';
    const text = errorsOf(config).join('\n');
    expect(text).toContain('egress[0].address: must be a loopback address');
    expect(text).toContain('egress[0].surprise: unknown key');
    expect(text).toContain('egress[0].upstreams[0].url: must be an https:// URL');
    expect(text).toContain('egress[0].upstreams[0].identity: needs at least one of spiffeId, dnsName, spkiSha256');
    expect(text).toContain('egress[0].upstreams[0].tls.ca: file not found: missing-ca.pem');
  });

  test('identity values are validated', () => {
    const config = good();
    config.egress[0].upstreams[0].identity = { spiffeId: 'spiffe://Example.org/x', dnsName: 'Not A Name', spkiSha256: ['abc'] };
    const text = errorsOf(config).join('\n');
    expect(text).toContain('egress[0].upstreams[0].identity.spiffeId: not a valid SPIFFE ID');
    expect(text).toContain('egress[0].upstreams[0].identity.dnsName: must be a lower-case DNS name');
    expect(text).toContain('egress[0].upstreams[0].identity.spkiSha256[0]: must be the base64 SHA-256');
  });

  test('names: unique upstream routing keys, and listener names unique across inbound and egress', () => {
    const config = good();
    config.egress[0].name = 'app';
    config.egress[0].upstreams.push(egressUpstream(pki, 'orders', 'https://other.internal'));
    const text = errorsOf(config).join('\n');
    expect(text).toContain('egress[0].name: duplicate listener name "app"');
    expect(text).toContain('egress[0].upstreams[1].name: "orders" already selects upstream "orders"');
  });

  test('TLS material problems name the upstream key', () => {
    const config = good();
    config.egress[0].upstreams[0].tls.key = pki.frontend.key;
    config.egress[0].upstreams[0].tls.ca = pki.server.cert;
    const errors = errorsOf(config);
    expect(errors).toContain(`egress[0].upstreams[0].tls.key: does not match the certificate in ${pki.server.cert}`);
  });

  test('an unknown cipher is refused with its key path', () => {
    const config = good();
    config.egress[0].upstreams[0].tls.ciphers = 'NOT-A-CIPHER';
    const errors = errorsOf(config);
    expect(errors.join('\n')).toMatch(/egress\[0\]\.upstreams\[0\]\.tls\.ciphers: OpenSSL refused/);
  });
});
