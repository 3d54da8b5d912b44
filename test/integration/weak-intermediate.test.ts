// The intermediates a peer sends carry its identity as much as its leaf does: an RSA-1024
// intermediate passes OpenSSL's security level 1, and a SHA-1-signed one passes where an
// operator lowered the level, so the policy checks their keys and signatures too, in both
// directions. Inbound: 403 with the rule, the detail naming the intermediate, nothing reaches the
// app. Egress: 502 upstream_cert_invalid before a request byte is written.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCa, type IssuedCert } from '../../src/certs/factory.js';
import { attempt } from '../helpers/attempt.js';
import { appCall, egressUpstream, ORDERS_ID, startEgressSidecar, type RunningEgress } from '../helpers/egress.js';
import { IDS, makePki, type CertFiles, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startTlsUpstream, type TlsUpstream } from '../helpers/tls-upstream.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
const intermediates: Record<string, IssuedCert> = {};

beforeAll(async () => {
  pki = await makePki();
  intermediates['rsa1024'] = await createCa({ keyType: 'rsa-1024', commonName: 'Weak RSA-1024 Intermediate', issuer: pki.ca });
  intermediates['p256'] = await createCa({ commonName: 'Good Intermediate', issuer: pki.ca });
  const rsa = await createCa({ keyType: 'rsa-2048', commonName: 'RSA Intermediate', issuer: pki.ca });
  intermediates['sha1'] = await createCa({ keyType: 'rsa-2048', commonName: 'SHA-1 Intermediate', issuer: rsa, hash: 'SHA-1' });
  // The SHA-1 intermediate hangs under another intermediate: the client sends both.
  intermediates['sha1-chain'] = rsa;
});
afterAll(() => pki?.cleanup());

/** A leaf under `name`'s intermediate, with the chain (leaf first) in its certificate file. */
async function chained(name: string, under: string, options: Record<string, unknown>): Promise<CertFiles> {
  const intermediate = intermediates[under] as IssuedCert;
  const leaf = await pki.issue(name, { issuer: intermediate, ...options });
  const chain = leaf.certPem + intermediate.certPem + (under === 'sha1' ? (intermediates['sha1-chain'] as IssuedCert).certPem : '');
  return { ...leaf, certPem: chain, cert: pki.write(`${name}-chain.pem`, chain) };
}

describe('inbound', () => {
  let upstream: TestUpstream;
  const sidecars: RunningSidecar[] = [];
  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(async () => {
    for (const sidecar of sidecars) await sidecar.close();
    await upstream?.close();
  });

  async function sidecarWith(ciphers?: string): Promise<RunningSidecar> {
    const sidecar = await startSidecar(pki, { upstreamUrl: upstream.url, listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath, ...(ciphers ? { ciphers } : {}) } } });
    sidecars.push(sidecar);
    return sidecar;
  }
  // The client lowers its own level so that it will send a weak chain at all.
  const CLIENT = { ciphers: 'DEFAULT@SECLEVEL=0' };

  test('an RSA-1024 intermediate → 403 weak_key, nothing reaches the app', async () => {
    const sidecar = await sidecarWith();
    const result = await attempt(sidecar, pki, await chained('under-rsa1024', 'rsa1024', { uris: [IDS.frontend] }), '/public/x', CLIENT);
    expect(result).toMatchObject({ stage: 'http', status: 403, reason: 'weak_key' });
    expect(JSON.stringify(sidecar.logs.requests().at(-1))).toContain('intermediate CN=Weak RSA-1024 Intermediate: RSA 1024-bit key');
    expect(upstream.received).toHaveLength(0);
  });

  test('a SHA-1-signed intermediate with OpenSSL\'s level lowered → 403 weak_signature_algorithm', async () => {
    const sidecar = await sidecarWith('ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0');
    const result = await attempt(sidecar, pki, await chained('under-sha1', 'sha1', { uris: [IDS.frontend] }), '/public/x', CLIENT);
    expect(result).toMatchObject({ stage: 'http', status: 403, reason: 'weak_signature_algorithm' });
    expect(JSON.stringify(sidecar.logs.requests().at(-1))).toContain('intermediate CN=SHA-1 Intermediate: signed with');
    expect(upstream.received).toHaveLength(0);
  });

  test('a SHA-1-signed intermediate at the default level: refused at the handshake as weak_signature_algorithm', async () => {
    const sidecar = await sidecarWith();
    const result = await attempt(sidecar, pki, await chained('under-sha1-default', 'sha1', { uris: [IDS.frontend] }), '/public/x', CLIENT);
    expect(result).toMatchObject({ stage: 'handshake', reason: 'weak_signature_algorithm' });
    expect(upstream.received).toHaveLength(0);
  });

  test('a P-256 intermediate → 200', async () => {
    const sidecar = await sidecarWith();
    const result = await attempt(sidecar, pki, await chained('under-p256', 'p256', { uris: [IDS.frontend] }), '/public/x', CLIENT);
    expect(result).toMatchObject({ stage: 'http', status: 200 });
  });
});

describe('egress', () => {
  let egress: RunningEgress;
  const upstreams = new Map<string, TlsUpstream>();
  beforeAll(async () => {
    const config = [];
    for (const under of ['rsa1024', 'p256']) {
      const cert = await chained(`orders-under-${under}`, under, { uris: [ORDERS_ID], ipAddresses: ['127.0.0.1'] });
      // The impostor lowers its own level so it can serve a weak chain at all.
      const upstream = await startTlsUpstream(pki, cert, { ciphers: 'DEFAULT:@SECLEVEL=0' });
      upstreams.set(under, upstream);
      config.push(egressUpstream(pki, under, upstream.url));
    }
    egress = await startEgressSidecar(pki, config);
  });
  afterAll(async () => {
    await egress?.close();
    for (const upstream of upstreams.values()) await upstream.close();
  });

  test('an upstream chain with an RSA-1024 intermediate → 502 upstream_cert_invalid, no request sent', async () => {
    const response = await appCall(egress.egressUrl, '/orders/1', 'rsa1024');
    expect(response.status).toBe(502);
    expect(response.json()['reason']).toBe('upstream_cert_invalid');
    expect(upstreams.get('rsa1024')?.received).toHaveLength(0);
    expect(JSON.stringify(egress.logs.requests().find((line) => line['route'] === 'rsa1024'))).toContain('weak_key: intermediate CN=Weak RSA-1024 Intermediate');
  });

  test('an upstream chain with a P-256 intermediate is reached', async () => {
    const response = await appCall(egress.egressUrl, '/orders/1', 'p256');
    expect(response.status).toBe(200);
  });
});
