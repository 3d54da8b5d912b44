// The leaf / X509-SVID rules read from the certificate's own extensions: one certificate per
// rule, made with the factory's free-form extensions, and the rule it must break.
import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { beforeAll, expect, test } from 'vitest';
import { createCa, createLeaf, type IssuedCert, type LeafOptions } from '../../../src/certs/factory.js';
import { leafProblems, readLeafExtensions } from '../../../src/tls/leaf-rules.js';

const ID = 'spiffe://example.org/ns/a/sa/b';
let ca: IssuedCert;
beforeAll(async () => {
  ca = await createCa();
});

async function rules(options: Partial<LeafOptions>): Promise<string[]> {
  const leaf = await createLeaf({ issuer: ca, uris: [ID], ...options });
  return leafProblems(readLeafExtensions(new X509Certificate(leaf.certPem).raw)).map((problem) => problem.rule);
}

test('a textbook SVID breaks no rule', async () => {
  expect(await rules({})).toEqual([]);
});

test('CA:true is read from basicConstraints itself, critical or not, whatever keyUsage says', async () => {
  expect(await rules({ basicConstraints: { ca: true, critical: true }, keyUsage: { usages: ['digitalSignature'] } })).toEqual(['cert_is_ca']);
  expect(await rules({ basicConstraints: { ca: true, critical: false }, keyUsage: { usages: ['digitalSignature'] } })).toEqual(['cert_is_ca']);
  expect(await rules({ basicConstraints: { ca: true, pathLength: 0 } })).toEqual(['cert_is_ca']);
});

test('absent basicConstraints is CA:false; pathLenConstraint without CA is malformed', async () => {
  expect(await rules({ basicConstraints: 'absent' })).toEqual([]);
  expect(await rules({ basicConstraints: { ca: false, critical: false } })).toEqual([]);
  expect(await rules({ basicConstraints: { ca: false, pathLength: 3 } })).toEqual(['cert_invalid']);
});

test('keyCertSign or cRLSign on a leaf makes it a signing certificate', async () => {
  expect(await rules({ keyUsage: { usages: ['digitalSignature', 'keyCertSign'] } })).toEqual(['cert_is_ca']);
  expect(await rules({ keyUsage: { usages: ['digitalSignature', 'cRLSign'] } })).toEqual(['cert_is_ca']);
});

test('keyUsage must hold digitalSignature; on an SVID it must be present and critical', async () => {
  expect(await rules({ keyUsage: { usages: ['keyAgreement'] } })).toEqual(['cert_key_usage_invalid']);
  expect(await rules({ keyUsage: { usages: ['digitalSignature'], critical: false } })).toEqual(['cert_key_usage_invalid']);
  expect(await rules({ keyUsage: 'absent' })).toEqual(['cert_key_usage_invalid']);
  expect(await rules({ keyUsage: { usages: ['digitalSignature', 'keyEncipherment', 'keyAgreement'] } })).toEqual([]);
  // Not an SVID: an absent or non-critical keyUsage is RFC 5280-legal.
  expect(await rules({ uris: [], dnsNames: ['a.example'], keyUsage: 'absent' })).toEqual([]);
  expect(await rules({ uris: [], dnsNames: ['a.example'], keyUsage: { usages: ['digitalSignature'], critical: false } })).toEqual([]);
});

test('an SVID extendedKeyUsage, when present, holds both serverAuth and clientAuth', async () => {
  expect(await rules({ extendedKeyUsages: ['clientAuth'] })).toEqual(['cert_key_usage_invalid']);
  expect(await rules({ extendedKeyUsages: ['serverAuth'] })).toEqual(['cert_key_usage_invalid']);
  expect(await rules({ extendedKeyUsages: ['codeSigning'] })).toEqual(['cert_key_usage_invalid']);
  expect(await rules({ extendedKeyUsages: ['serverAuth', 'clientAuth'], extendedKeyUsageCritical: true })).toEqual([]);
  expect(await rules({ extendedKeyUsages: [] })).toEqual([]);
});

test('an SVID has exactly one URI SAN and a SPIFFE ID with a path', async () => {
  expect(await rules({ uris: [ID, 'https://example.org/x'] })).toEqual(['bad_spiffe_id']);
  expect(await rules({ uris: ['https://example.org/x', ID] })).toEqual(['bad_spiffe_id']);
  expect(await rules({ uris: [ID, 'spiffe://example.org/ns/a/sa/c'] })).toEqual(['bad_spiffe_id']);
  expect(await rules({ uris: ['spiffe://example.org'] })).toEqual(['bad_spiffe_id']);
  expect(await rules({ uris: ['SPIFFE://example.org/ns/a'] })).toEqual(['bad_spiffe_id']);
  // Other SAN types beside the one URI are allowed.
  expect(await rules({ dnsNames: ['a.example'], ipAddresses: ['127.0.0.1'], emails: ['a@example.org'] })).toEqual([]);
});

test('an empty subject needs a critical SAN extension', async () => {
  expect(await rules({ subject: '' })).toEqual(['cert_invalid']);
  expect(await rules({ subject: '', subjectAltNameCritical: true })).toEqual([]);
});

test('an empty keyUsage is malformed (RFC 5280 §4.2.1.3), not merely "without digitalSignature"', async () => {
  expect(await rules({ keyUsage: { usages: [] } })).toContain('cert_invalid');
});

test('a duplicated or undecodable extension is malformed, never "absent"', async () => {
  const second = new x509.BasicConstraintsExtension(true, undefined, true);
  expect(await rules({ basicConstraints: { ca: false }, extraExtensions: [second] })).toContain('cert_invalid');
  const garbage = new x509.Extension('2.5.29.15', true, new Uint8Array([0x04, 0x01, 0x00]));
  expect(await rules({ keyUsage: 'absent', extraExtensions: [garbage] })).toContain('cert_invalid');
});
