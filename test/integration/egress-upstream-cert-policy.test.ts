// Egress applies the certificate policy inbound applies: an upstream that proves the pinned
// SPIFFE ID with a chain the trust bundle accepts is still refused, before any request byte, when
// its certificate breaks a rule (a weak RSA-1024 key, no serverAuth usage, CA:true): 502
// upstream_cert_invalid, with the rule in the audit detail.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { appCall, egressUpstream, ORDERS_ID, startEgressSidecar, type RunningEgress } from '../helpers/egress.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { startTlsUpstream, type TlsUpstream } from '../helpers/tls-upstream.js';

let pki: TestPki;
const upstreams: TlsUpstream[] = [];
let sidecar: RunningEgress;

beforeAll(async () => {
  pki = await makePki();
  const base = { uris: [ORDERS_ID], ipAddresses: ['127.0.0.1'] };
  const certs = {
    weak: await pki.issue('orders-rsa1024', { ...base, keyType: 'rsa-1024' }),
    'no-eku': await pki.issue('orders-no-eku', { ...base, extendedKeyUsages: [] }),
    ca: await pki.issue('orders-ca', { ...base, isCa: true }),
    good: await pki.issue('orders-good', base),
  };
  const config = [];
  for (const [name, cert] of Object.entries(certs)) {
    // The impostor lowers its own security level so it can serve a weak key at all.
    const upstream = await startTlsUpstream(pki, cert, { ciphers: 'DEFAULT:@SECLEVEL=0' });
    upstreams.push(upstream);
    config.push(egressUpstream(pki, name, upstream.url));
  }
  sidecar = await startEgressSidecar(pki, config);
});

afterAll(async () => {
  await sidecar?.close();
  for (const upstream of upstreams) await upstream.close();
  pki?.cleanup();
});

test.each([
  ['weak', 'weak_key: RSA 1024-bit key'],
  ['no-eku', 'cert_not_server_auth'],
  ['ca', 'cert_is_ca'],
])('%s upstream certificate → 502 upstream_cert_invalid (%s), no request sent', async (name, rule) => {
  const index = ['weak', 'no-eku', 'ca'].indexOf(name);
  const response = await appCall(sidecar.egressUrl, '/orders/1', name);
  expect(response.status).toBe(502);
  expect(response.json()['reason']).toBe('upstream_cert_invalid');
  expect(upstreams[index]!.received).toHaveLength(0);
  const line = sidecar.logs.requests().find((entry) => entry['route'] === name);
  expect(JSON.stringify(line)).toContain(rule);
});

test('a certificate that meets the policy is accepted', async () => {
  const response = await appCall(sidecar.egressUrl, '/orders/1', 'good');
  expect(response.status).toBe(200);
});
