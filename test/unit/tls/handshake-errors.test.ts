// Naming a refused handshake: OpenSSL's verify code alone, or refined by the certificate the
// peer sent. Trust failures keep their code; a malformed leaf is cert_invalid whatever OpenSSL said.
import { X509Certificate } from 'node:crypto';
import { beforeAll, expect, test } from 'vitest';
import { createCa, createLeaf, type IssuedCert, type LeafOptions } from '../../../src/certs/factory.js';
import * as x509 from '@peculiar/x509';
import { classifyHandshakeError, refusedHandshakeVersion, type RefusedLeaf } from '../../../src/tls/handshake-errors.js';
import { analyzePeerCertificate } from '../../../src/tls/peer-certificate.js';
import { compilePeerPolicy } from '../../../src/tls/peer-policy.js';

const policy = compilePeerPolicy({ minRsaBits: 2048, ecCurves: ['P-256', 'P-384'], ed25519: true, requireClientAuth: true, maxLifetime: null, trustDomains: [] }, { pems: [], revoked: new Set() });
const ID = 'spiffe://example.org/ns/a/sa/b';
let ca: IssuedCert;
let rsaCa: IssuedCert;

beforeAll(async () => {
  ca = await createCa();
  rsaCa = await createCa({ keyType: 'rsa-2048' });
});

async function leaf(options: Partial<LeafOptions>): Promise<RefusedLeaf> {
  const issued = await createLeaf({ issuer: ca, uris: [ID], ...options });
  return { facts: analyzePeerCertificate(new X509Certificate(issued.certPem)), policy };
}

const hangUp = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

test('without the certificate, the verify code decides', () => {
  expect(classifyHandshakeError(hangUp, 'UNSPECIFIED').reason).toBe('cert_invalid');
  expect(classifyHandshakeError(hangUp, 'INVALID_PURPOSE').reason).toBe('cert_not_client_auth');
  expect(classifyHandshakeError(hangUp, 'CA_MD_TOO_WEAK').reason).toBe('weak_signature_algorithm');
});

test('UNSPECIFIED with a SHA-1-signed leaf is weak_signature_algorithm, with both in the detail', async () => {
  const sha1 = await leaf({ issuer: rsaCa, hash: 'SHA-1' });
  const failure = classifyHandshakeError(hangUp, 'UNSPECIFIED', sha1);
  expect(failure.reason).toBe('weak_signature_algorithm');
  expect(failure.detail).toMatch(/^UNSPECIFIED: signed with .*SHA-1/);
  expect(classifyHandshakeError(hangUp, 'CERT_SIGNATURE_FAILURE', sha1).reason).toBe('weak_signature_algorithm');
});

test('a clean leaf under a SHA-1-signed intermediate is weak_signature_algorithm, naming the intermediate', async () => {
  const clean = await leaf({});
  const failure = classifyHandshakeError(hangUp, 'UNSPECIFIED', { ...clean, issuers: [{ subject: 'CN=Inter', key: { type: 'rsa', bits: 2048 }, signature: { algorithm: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }, notAfter: Date.now() + 86_400_000, revocationKey: 'CN=Root|1' }] });
  expect(failure).toEqual({ reason: 'weak_signature_algorithm', detail: 'UNSPECIFIED: intermediate CN=Inter: signed with RSASSA-PKCS1-v1_5 over SHA-1' });
  expect(classifyHandshakeError(hangUp, 'UNSPECIFIED', { ...clean, issuers: [{ subject: 'CN=Inter', key: { type: 'ec', curve: 'P-256' }, signature: { algorithm: 'ECDSA', hash: 'SHA-256' }, notAfter: Date.now() + 86_400_000, revocationKey: 'CN=Root|2' }] }).reason).toBe('cert_invalid');
});

test('INVALID_PURPOSE is named by what the certificate lacks', async () => {
  expect(classifyHandshakeError(hangUp, 'INVALID_PURPOSE', await leaf({ extendedKeyUsages: ['serverAuth'] })).reason).toBe('cert_not_client_auth');
  expect(classifyHandshakeError(hangUp, 'INVALID_PURPOSE', await leaf({ keyType: 'rsa-2048', keyUsage: { usages: ['keyEncipherment'] } })).reason).toBe('cert_key_usage_invalid');
});

test('trust failures keep their code even when the leaf also breaks a rule', async () => {
  const sha1 = await leaf({ issuer: rsaCa, hash: 'SHA-1' });
  expect(classifyHandshakeError(hangUp, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', sha1).reason).toBe('unknown_ca');
  expect(classifyHandshakeError(hangUp, 'CERT_HAS_EXPIRED', sha1).reason).toBe('cert_expired');
  expect(classifyHandshakeError(hangUp, 'CERT_REVOKED', sha1).reason).toBe('cert_revoked');
});

test('a malformed leaf is cert_invalid whatever OpenSSL made of it', async () => {
  const twice = await leaf({ extraExtensions: [new x509.BasicConstraintsExtension(true, undefined, true)] });
  expect(classifyHandshakeError(hangUp, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', twice).reason).toBe('cert_invalid');
});

test('a clean leaf refused for another reason keeps the verify code', async () => {
  const clean = await leaf({});
  expect(classifyHandshakeError(hangUp, 'CERT_SIGNATURE_FAILURE', clean)).toEqual({ reason: 'cert_invalid', detail: 'CERT_SIGNATURE_FAILURE' });
});

test('the version label: observed, else read from the ClientHello only after OpenSSL parsed it', () => {
  const code = (name: string) => Object.assign(new Error('x'), { code: name });
  expect(refusedHandshakeVersion(hangUp, 'TLSv1.2', 'TLSv1.3')).toBe('TLSv1.2');
  expect(refusedHandshakeVersion(code('ERR_SSL_UNSUPPORTED_PROTOCOL'), undefined, 'TLSv1.1')).toBe('TLSv1.1');
  expect(refusedHandshakeVersion(code('ERR_SSL_NO_SHARED_CIPHER'), undefined, 'TLSv1.2')).toBe('TLSv1.2');
  // Before the ClientHello is parsed OpenSSL reports its own maximum: not a fact about the peer.
  expect(refusedHandshakeVersion(code('ERR_SSL_HTTP_REQUEST'), undefined, 'TLSv1.3')).toBe('unknown');
  expect(refusedHandshakeVersion(hangUp, null, 'TLSv1.3')).toBe('unknown');
  expect(refusedHandshakeVersion(code('ERR_SSL_NO_SHARED_CIPHER'), undefined, null)).toBe('unknown');
});
