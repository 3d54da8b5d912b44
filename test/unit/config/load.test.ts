// Config validation: strict schema, every error at once with its key path, documented defaults.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCa, createLeaf } from '../../../src/certs/factory.js';
import { loadConfigObject } from '../../../src/config/load.js';
import { makePki, type TestPki } from '../../helpers/pki.js';
import { sidecarConfig } from '../../helpers/sidecar.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki.cleanup());

const good = () => sidecarConfig(pki, { upstreamUrl: 'http://127.0.0.1:8080' }) as Record<string, any>;

describe('loadConfigObject', () => {
  test('a good config loads, with defaults filled in', () => {
    const result = loadConfigObject(good(), pki.dir);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const listener = result.value.config.inbound[0]!;
    expect(listener.tls.minVersion).toBe('TLSv1.2');
    expect(listener.tls.maxVersion).toBe('TLSv1.3');
    expect(listener.identity.sources).toEqual(['spiffe']);
    expect(listener.upstream.connectTimeoutMs).toBe(5000);
    expect(listener.paths.strict).toBe(false);
    expect(result.value.config.drainTimeoutMs).toBe(15000);
    expect(result.value.tls.get('app')?.serverUri).toBe('spiffe://test.palisade.local/ns/app/sa/server');
  });

  test('every schema error at once, each with its key path', () => {
    const config = good();
    config.surprise = 1;
    config.inbound[0].tls.clientCA = 'typo.pem';
    config.inbound[0].port = 70000;
    config.inbound[0].upstream.url = 'https://127.0.0.1:8080/base';
    config.inbound[0].routes[0].path = 'api/**';
    config.inbound[0].routes[1].allow = ['spiffe://x/*foo', 'regex:.*'];
    config.inbound[0].mode = 'audit';
    const result = loadConfigObject(config, pki.dir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = result.errors.join('\n');
    expect(text).toContain('surprise: unknown key');
    expect(text).toContain('inbound[0].tls.clientCA: unknown key');
    expect(text).toMatch(/inbound\[0\]\.port: .*65535/);
    expect(text).toContain('inbound[0].upstream.url: must be an http:// URL');
    expect(text).toContain('inbound[0].routes[0].path: must start with "/"');
    expect(text).toContain('inbound[0].routes[1].allow[0]: "*" must be a whole path segment');
    expect(text).toContain('inbound[0].routes[1].allow[1]: must be "*", a spiffe:// ID');
    expect(text).toMatch(/inbound\[0\]\.mode: /);
    expect(result.errors.length).toBeGreaterThanOrEqual(8);
  });

  test('missing required keys are named', () => {
    const result = loadConfigObject({ inbound: [{ name: 'a', port: 1 }] }, pki.dir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toContain('inbound[0].tls: is required');
    expect(result.errors).toContain('inbound[0].upstream: is required');
    expect(result.errors).toContain('inbound[0].routes: is required');
  });

  test('files: not found, not a certificate, key mismatch', () => {
    const missing = good();
    missing.inbound[0].tls.clientCa = 'certs/ca.pem';
    expect(loadConfigObject(missing, pki.dir)).toEqual({ ok: false, errors: ['inbound[0].tls.clientCa: file not found: certs/ca.pem'] });

    const garbage = good();
    garbage.inbound[0].tls.cert = pki.write('garbage.pem', 'not a certificate');
    expect(loadConfigObject(garbage, pki.dir)).toMatchObject({ ok: false, errors: [expect.stringContaining('inbound[0].tls.cert: no PEM certificate')] });

    const mismatch = good();
    mismatch.inbound[0].tls.key = pki.frontend.key;
    const result = loadConfigObject(mismatch, pki.dir);
    expect(result).toMatchObject({ ok: false, errors: [expect.stringContaining('inbound[0].tls.key: does not match the certificate')] });
    if (!result.ok) expect(result.errors.join('')).not.toContain('PRIVATE KEY');
  });

  test('our own chain: leaf then its issuers, in order', async () => {
    const intermediate = await createCa({ commonName: 'Intermediate', issuer: pki.ca });
    const leaf = await createLeaf({ issuer: intermediate, uris: ['spiffe://test.palisade.local/ns/app/sa/server'], dnsNames: ['localhost'] });
    const keyPath = pki.write('chained-key.pem', leaf.keyPem);

    const inOrder = good();
    inOrder.inbound[0].tls.cert = pki.write('chained.pem', leaf.certPem + intermediate.certPem);
    inOrder.inbound[0].tls.key = keyPath;
    expect(loadConfigObject(inOrder, pki.dir).ok).toBe(true);

    const wrongParent = good();
    wrongParent.inbound[0].tls.cert = pki.write('wrong-parent.pem', leaf.certPem + pki.frontend.certPem);
    wrongParent.inbound[0].tls.key = keyPath;
    expect(loadConfigObject(wrongParent, pki.dir)).toMatchObject({ ok: false, errors: [expect.stringContaining('inbound[0].tls.cert: certificate 2 in')] });

    const swapped = good();
    swapped.inbound[0].tls.cert = pki.write('swapped.pem', intermediate.certPem + leaf.certPem);
    swapped.inbound[0].tls.key = keyPath;
    expect(loadConfigObject(swapped, pki.dir)).toMatchObject({ ok: false });
  });

  test('duplicate listener and route names', () => {
    const config = good();
    config.inbound.push({ ...config.inbound[0] });
    config.inbound[0].routes.push({ ...config.inbound[0].routes[0] });
    const result = loadConfigObject(config, pki.dir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toContain('inbound[1].name: duplicate listener name "app"');
    expect(result.errors).toContain('inbound[0].routes[3].name: duplicate route name "api"');
  });
});
