// The X509-SVID leaf rules (spiffe/spiffe standards/X509-SVID.md), read from the certificate's
// own extensions, in both directions. Every certificate below chains to the trusted CA and
// names an allowed SPIFFE ID; each breaks one rule the way an attacker's would (a CA:TRUE leaf
// whose keyUsage lacks keyCertSign, which Node's X509Certificate.ca calls "not a CA", is the
// first). Inbound: refused with the rule's reason, at the handshake or with its HTTP status,
// and the app receives nothing. Egress: an upstream presenting it gets no request byte.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LeafOptions } from '../../src/certs/factory.js';
import { REASONS, type ReasonCode } from '../../src/core/reasons.js';
import { attempt } from '../helpers/attempt.js';
import { appCall, egressUpstream, ORDERS_ID, startEgressSidecar, type RunningEgress } from '../helpers/egress.js';
import { IDS, makePki, TRUST_DOMAIN, type CertFiles, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startTlsUpstream, type TlsUpstream } from '../helpers/tls-upstream.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const CA_TRUE = { ca: true, critical: true };
const UNKNOWN_CRITICAL = new x509.Extension('1.3.6.1.4.1.55555.1', true, new Uint8Array([0x05, 0x00]));

/** [name, what the leaf looks like (on top of an allowed SPIFFE ID), reason it must be refused with]. */
const INBOUND: Array<[string, Partial<LeafOptions>, ReasonCode]> = [
  ['CA:TRUE critical, keyUsage digitalSignature, EKU clientAuth', { basicConstraints: CA_TRUE, keyUsage: { usages: ['digitalSignature'] }, extendedKeyUsages: ['clientAuth'] }, 'cert_is_ca'],
  ['CA:TRUE critical, keyUsage digitalSignature, EKU both', { basicConstraints: CA_TRUE, keyUsage: { usages: ['digitalSignature'] } }, 'cert_is_ca'],
  ['CA:TRUE not critical, keyUsage digitalSignature', { basicConstraints: { ca: true, critical: false }, keyUsage: { usages: ['digitalSignature'] } }, 'cert_is_ca'],
  ['CA:TRUE pathLen 0, keyUsage keyCertSign + digitalSignature', { basicConstraints: { ca: true, pathLength: 0 }, keyUsage: { usages: ['digitalSignature', 'keyCertSign'] } }, 'cert_is_ca'],
  ['CA:TRUE, keyUsage absent', { basicConstraints: CA_TRUE, keyUsage: 'absent' }, 'cert_is_ca'],
  ['CA:FALSE, keyUsage digitalSignature + keyCertSign', { keyUsage: { usages: ['digitalSignature', 'keyCertSign'] } }, 'cert_is_ca'],
  ['CA:FALSE, keyUsage digitalSignature + cRLSign', { keyUsage: { usages: ['digitalSignature', 'cRLSign'] } }, 'cert_is_ca'],
  ['basicConstraints absent, keyUsage keyCertSign + digitalSignature', { basicConstraints: 'absent', keyUsage: { usages: ['digitalSignature', 'keyCertSign'] } }, 'cert_is_ca'],
  ['keyUsage keyAgreement only', { keyUsage: { usages: ['keyAgreement'] } }, 'cert_key_usage_invalid'],
  ['keyUsage keyEncipherment only (RSA)', { keyType: 'rsa-2048', keyUsage: { usages: ['keyEncipherment'] } }, 'cert_key_usage_invalid'],
  ['keyUsage nonRepudiation only', { keyUsage: { usages: ['nonRepudiation'] } }, 'cert_key_usage_invalid'],
  ['keyUsage absent', { keyUsage: 'absent' }, 'cert_key_usage_invalid'],
  ['keyUsage digitalSignature, not critical', { keyUsage: { usages: ['digitalSignature'], critical: false } }, 'cert_key_usage_invalid'],
  ['EKU clientAuth only', { extendedKeyUsages: ['clientAuth'] }, 'cert_key_usage_invalid'],
  ['EKU clientAuth + codeSigning', { extendedKeyUsages: ['clientAuth', 'codeSigning'] }, 'cert_key_usage_invalid'],
  ['EKU clientAuth, critical', { extendedKeyUsages: ['clientAuth'], extendedKeyUsageCritical: true }, 'cert_key_usage_invalid'],
  ['keyUsage extension with no bit set', { keyUsage: { usages: [] } }, 'cert_invalid'],
  ['EKU anyExtendedKeyUsage only', { extendedKeyUsages: ['anyExtendedKeyUsage'] }, 'cert_not_client_auth'],
  ['EKU an unknown purpose only', { extendedKeyUsages: ['1.3.6.1.4.1.55555.2'] }, 'cert_not_client_auth'],
  ['two URI SANs: the SPIFFE ID and an https URI', { uris: [IDS.frontend, 'https://evil.example/x'] }, 'bad_spiffe_id'],
  ['two URI SANs: an https URI first, then the SPIFFE ID', { uris: ['https://evil.example/x', IDS.frontend] }, 'bad_spiffe_id'],
  ['two SPIFFE IDs', { uris: [IDS.frontend, `spiffe://${TRUST_DOMAIN}/ns/ops/sa/admin`] }, 'bad_spiffe_id'],
  ['SPIFFE ID with no path (a signing certificate ID)', { uris: [`spiffe://${TRUST_DOMAIN}`] }, 'bad_spiffe_id'],
  ['SPIFFE ID with upper-case scheme', { uris: [`SPIFFE://${TRUST_DOMAIN}/ns/app/sa/frontend`] }, 'bad_spiffe_id'],
  ['empty subject, subjectAltName not critical', { subject: '' }, 'cert_invalid'],
  ['basicConstraints CA:FALSE with pathLenConstraint', { basicConstraints: { ca: false, pathLength: 2 } }, 'cert_invalid'],
  ['basicConstraints twice: CA:FALSE then CA:TRUE', { basicConstraints: { ca: false }, extraExtensions: [new x509.BasicConstraintsExtension(true, undefined, true)] }, 'cert_invalid'],
  ['an unknown critical extension', { extraExtensions: [UNKNOWN_CRITICAL] }, 'cert_invalid'],
];

/** Leaves the rules allow: the edges of each rule, on the accepting side. */
const ACCEPTED: Array<[string, Partial<LeafOptions>]> = [
  ['textbook SVID', {}],
  ['basicConstraints absent (CA defaults to false)', { basicConstraints: 'absent' }],
  ['CA:FALSE, not critical', { basicConstraints: { ca: false, critical: false } }],
  ['keyUsage digitalSignature + keyEncipherment + keyAgreement', { keyUsage: { usages: ['digitalSignature', 'keyEncipherment', 'keyAgreement'] } }],
  ['EKU serverAuth + clientAuth, critical', { extendedKeyUsageCritical: true }],
  ['empty subject with a critical subjectAltName', { subject: '', subjectAltNameCritical: true }],
  ['DNS, IP and e-mail SANs beside the one URI', { dnsNames: ['frontend.example'], ipAddresses: ['10.0.0.1'], emails: ['ops@example.org'] }],
];

let pki: TestPki;

beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki?.cleanup());

describe('inbound peer certificates', () => {
  let upstream: TestUpstream;
  let sidecar: RunningSidecar;
  const certs = new Map<string, CertFiles>();

  beforeAll(async () => {
    upstream = await startUpstream();
    sidecar = await startSidecar(pki, { upstreamUrl: upstream.url });
    let i = 0;
    for (const [name, options] of [...INBOUND, ...ACCEPTED]) certs.set(name, await pki.issue(`in-${(i += 1)}`, { uris: [IDS.frontend], ...options }));
  });
  afterAll(async () => {
    await sidecar?.close();
    await upstream?.close();
  });

  test.each(INBOUND.map(([name, , reason]) => ({ name, reason })))('$name → $reason, nothing reaches the app', async ({ name, reason }) => {
    const result = await attempt(sidecar, pki, certs.get(name));
    expect(result.reason).toBe(reason);
    if (result.stage === 'http') expect(result.status).toBe(REASONS[reason].status);
    expect(upstream.received).toHaveLength(0);
  });

  test.each(ACCEPTED.map(([name]) => ({ name })))('$name → 200', async ({ name }) => {
    const before = upstream.received.length;
    const result = await attempt(sidecar, pki, certs.get(name));
    expect(result).toMatchObject({ stage: 'http', status: 200 });
    expect(upstream.received).toHaveLength(before + 1);
  });
});

describe('egress upstream certificates', () => {
  /** [name, the upstream's leaf (on top of the pinned SPIFFE ID), the rule the audit detail names]. */
  const EGRESS: Array<[string, Partial<LeafOptions>, string]> = [
    ['ca-true-no-keycertsign', { basicConstraints: CA_TRUE, keyUsage: { usages: ['digitalSignature'] } }, 'cert_is_ca'],
    ['ca-true-not-critical', { basicConstraints: { ca: true, critical: false }, keyUsage: { usages: ['digitalSignature'] } }, 'cert_is_ca'],
    ['keycertsign', { keyUsage: { usages: ['digitalSignature', 'keyCertSign'] } }, 'cert_is_ca'],
    ['crlsign', { keyUsage: { usages: ['digitalSignature', 'cRLSign'] } }, 'cert_is_ca'],
    ['no-digital-signature', { keyUsage: { usages: ['keyAgreement'] } }, 'cert_key_usage_invalid'],
    ['key-usage-absent', { keyUsage: 'absent' }, 'cert_key_usage_invalid'],
    ['server-auth-only', { extendedKeyUsages: ['serverAuth'] }, 'cert_key_usage_invalid'],
    ['two-uri-sans', { uris: [ORDERS_ID, 'https://evil.example/x'] }, 'bad_spiffe_id'],
    ['path-len-on-leaf', { basicConstraints: { ca: false, pathLength: 1 } }, 'cert_invalid'],
  ];
  let egress: RunningEgress;
  const upstreams = new Map<string, TlsUpstream>();

  beforeAll(async () => {
    const config = [];
    for (const [name, options] of [...EGRESS, ['good', {}, ''] as const]) {
      const cert = await pki.issue(`out-${name}`, { uris: [ORDERS_ID], ipAddresses: ['127.0.0.1'], ...options });
      const upstream = await startTlsUpstream(pki, cert);
      upstreams.set(name, upstream);
      config.push(egressUpstream(pki, name, upstream.url));
    }
    egress = await startEgressSidecar(pki, config);
  });
  afterAll(async () => {
    await egress?.close();
    for (const upstream of upstreams.values()) await upstream.close();
  });

  test.each(EGRESS.map(([name, , rule]) => ({ name, rule })))('$name upstream → 502 upstream_cert_invalid ($rule), no request sent', async ({ name, rule }) => {
    const response = await appCall(egress.egressUrl, '/orders/1', name);
    expect(response.status).toBe(502);
    expect(response.json()['reason']).toBe('upstream_cert_invalid');
    expect(upstreams.get(name)?.received).toHaveLength(0);
    const line = egress.logs.requests().find((entry) => entry['route'] === name);
    expect(JSON.stringify(line)).toContain(rule);
  });

  test('an upstream with a textbook SVID is reached', async () => {
    const response = await appCall(egress.egressUrl, '/orders/1', 'good');
    expect(response.status).toBe(200);
    expect(upstreams.get('good')?.received).toHaveLength(1);
  });
});
