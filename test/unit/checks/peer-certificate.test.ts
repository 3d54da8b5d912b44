// The peer-certificate check on hand-built requests with real certificates from the factory:
// each TLS-policy rule the check applies per request (revocation by the CRLs loaded now, clientAuth
// EKU, key strength, signature algorithm, CA flag, key usage, lifetime, the intermediates the
// peer sent, the chain's expiry since the handshake, its anchor still in the bundle), and the
// fail-closed answer for a certificate that was never analysed.
// (The leaf rules' details are in test/unit/tls/leaf-rules.test.ts; the per-policy cache in
// peer-certificate-cache.test.ts.)
import { afterAll, beforeAll, expect, test } from 'vitest';
import { peerCertificateCheck } from '../../../src/checks/peer-certificate.js';
import { createCa, createCrl } from '../../../src/certs/factory.js';
import { checkContext, reasons, type CheckContext } from '../../helpers/check-context.js';
import { IDS, makePki, type TestPki } from '../../helpers/pki.js';

let pki: TestPki;
let listener: CheckContext;

const ROUTES = [{ name: 'public', path: '/public/**', allow: ['*'] }];
const at = { target: '/public/x' };

beforeAll(async () => {
  pki = await makePki();
  listener = checkContext(pki, { routes: ROUTES });
});
afterAll(() => pki?.cleanup());

const issue = (name: string, options: Parameters<TestPki['issue']>[1]) => pki.issue(`peer-cert-${name}`, { uris: [IDS.frontend], ...options });

test('a P-256 workload leaf with clientAuth passes', async () => {
  expect(await listener.run(peerCertificateCheck, { ...at, who: pki.frontend })).toEqual([]);
});

test('a certificate listed in a configured CRL → cert_revoked; one not listed passes', async () => {
  const revoked = await issue('revoked', {});
  const crl = await createCrl({ issuer: pki.ca, revoked: [revoked.issued] });
  const crlPath = pki.write('peer-cert.crl.pem', crl.pem);
  const withCrl = checkContext(pki, { routes: ROUTES, listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath, crl: [crlPath] } } });
  expect(await withCrl.run(peerCertificateCheck, { ...at, who: revoked })).toEqual([{ check: 'peer-certificate', reason: 'cert_revoked', severity: 'deny', detail: 'listed in a configured CRL' }]);
  expect(await withCrl.run(peerCertificateCheck, { ...at, who: pki.frontend })).toEqual([]);
});

test('no extendedKeyUsage extension → cert_not_client_auth; requireClientAuth: false lets it pass', async () => {
  const noEku = await issue('no-eku', { extendedKeyUsages: [] });
  expect(await listener.run(peerCertificateCheck, { ...at, who: noEku })).toEqual([{ check: 'peer-certificate', reason: 'cert_not_client_auth', severity: 'deny', detail: 'no extendedKeyUsage extension' }]);
  const lenient = checkContext(pki, { routes: ROUTES, listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath, peer: { requireClientAuth: false } } } });
  expect(await lenient.run(peerCertificateCheck, { ...at, who: noEku })).toEqual([]);
});

test('an extendedKeyUsage without clientAuth → cert_not_client_auth', async () => {
  const serverOnly = await issue('server-only', { extendedKeyUsages: ['serverAuth'] });
  const findings = await listener.run(peerCertificateCheck, { ...at, who: serverOnly });
  expect(reasons(findings)).toContain('cert_not_client_auth');
  expect(findings.find((finding) => finding.reason === 'cert_not_client_auth')?.detail).toBe('extendedKeyUsage lacks clientAuth');
});

test('an RSA-1024 key → weak_key', async () => {
  const weak = await issue('rsa1024', { keyType: 'rsa-1024' });
  expect(reasons(await listener.run(peerCertificateCheck, { ...at, who: weak }))).toEqual(['weak_key']);
});

test('a SHA-1 signature → weak_signature_algorithm', async () => {
  const rsaCa = await createCa({ keyType: 'rsa-2048', commonName: 'Peer Cert RSA CA' });
  const sha1 = await issue('sha1', { issuer: rsaCa, hash: 'SHA-1' });
  expect(reasons(await bundleOf('rsa-ca.pem', [rsaCa.certPem]).run(peerCertificateCheck, { ...at, who: sha1 }))).toEqual(['weak_signature_algorithm']);
});

test('a CA certificate presented as a client → cert_is_ca', async () => {
  const ca = await issue('is-ca', { isCa: true });
  expect(reasons(await listener.run(peerCertificateCheck, { ...at, who: ca }))).toContain('cert_is_ca');
});

test('keyUsage without digitalSignature → cert_key_usage_invalid', async () => {
  const keyAgreement = await issue('key-agreement', { keyUsage: { usages: ['keyAgreement'], critical: true } });
  expect(reasons(await listener.run(peerCertificateCheck, { ...at, who: keyAgreement }))).toEqual(['cert_key_usage_invalid']);
});

test('tls.peer.maxLifetime: a 30-day certificate → cert_lifetime_too_long; a 1-hour one passes', async () => {
  const shortLived = checkContext(pki, { routes: ROUTES, listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath, peer: { maxLifetime: '24h' } } } });
  const now = Date.now();
  const month = await issue('month', { notBefore: new Date(now - 60_000), notAfter: new Date(now + 30 * 86_400_000) });
  const hour = await issue('hour', { notBefore: new Date(now - 60_000), notAfter: new Date(now + 3_600_000) });
  expect(reasons(await shortLived.run(peerCertificateCheck, { ...at, who: month }))).toEqual(['cert_lifetime_too_long']);
  expect(await shortLived.run(peerCertificateCheck, { ...at, who: hour })).toEqual([]);
});

test('an intermediate the peer sent with a weak key → weak_key naming the intermediate', async () => {
  const intermediate = await createCa({ keyType: 'rsa-1024', commonName: 'Weak Intermediate', issuer: pki.ca });
  const leaf = await issue('under-weak', { issuer: intermediate });
  const findings = await listener.run(peerCertificateCheck, { ...at, who: leaf, intermediates: [intermediate.certPem] });
  expect(reasons(findings)).toEqual(['weak_key']);
  expect(findings[0]?.detail).toContain('intermediate');
  expect(findings[0]?.detail).toContain('Weak Intermediate');
});

// Expiry after the handshake (a kept-alive connection or a resumed session): the check compares
// the clock with the leaf, the intermediates sent and the trust anchor on every request. A
// certificate already expired stands in for one that expired since the handshake.
const past = () => ({ notBefore: new Date(Date.now() - 7_200_000), notAfter: new Date(Date.now() - 60_000) });
const expiredDetail = (what: string) => `${what}: notAfter has passed since the handshake (a kept-alive connection or a resumed session)`;

test('an intermediate the peer sent that has expired → cert_expired naming it', async () => {
  const intermediate = await createCa({ commonName: 'Expired Intermediate', issuer: pki.ca, ...past() });
  const leaf = await issue('under-expired-intermediate', { issuer: intermediate });
  expect(await listener.run(peerCertificateCheck, { ...at, who: leaf, intermediates: [intermediate.certPem] })).toEqual([
    { check: 'peer-certificate', reason: 'cert_expired', severity: 'deny', detail: expiredDetail('intermediate CN=Expired Intermediate') },
  ]);
});

const bundleOf = (name: string, pems: string[]) => checkContext(pki, { routes: ROUTES, listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.write(name, pems.join('')) } } });

test('the clientCa anchor the chain ends at has expired → cert_expired naming it; the same CA renewed (same key) beside it keeps the chain', async () => {
  const oldRoot = await createCa({ commonName: 'Rotating Root', ...past() });
  const leaf = await issue('under-expired-root', { issuer: oldRoot });
  expect(await bundleOf('expired-root.pem', [oldRoot.certPem]).run(peerCertificateCheck, { ...at, who: leaf })).toEqual([
    { check: 'peer-certificate', reason: 'cert_expired', severity: 'deny', detail: expiredDetail('trust anchor CN=Rotating Root') },
  ]);
  const renewed = await createCa({ commonName: 'Rotating Root', key: oldRoot.key });
  expect(await bundleOf('renewed-root.pem', [oldRoot.certPem, renewed.certPem]).run(peerCertificateCheck, { ...at, who: leaf })).toEqual([]);
});

test('a reload that takes the anchor out of clientCa → unknown_ca for connections verified through it; a new CA of the same name is not the same anchor', async () => {
  const root = await createCa({ commonName: 'Distrusted Root' });
  const leaf = await issue('under-distrusted-root', { issuer: root });
  const before = bundleOf('with-root.pem', [pki.ca.certPem, root.certPem]);
  // The peer as the connection read it, under the old bundle; the policy of the reloaded one.
  const connected = before.request({ ...at, who: leaf });
  expect(await before.run(peerCertificateCheck, connected)).toEqual([]);
  const distrusted = { check: 'peer-certificate', reason: 'unknown_ca', severity: 'deny', detail: 'the clientCa CA this connection was verified through is no longer in the trust bundle (a reload removed it)' };
  const removed = bundleOf('without-root.pem', [pki.ca.certPem]);
  expect(await removed.run(peerCertificateCheck, { ...connected, peerPolicy: removed.request({ ...at, who: leaf }).peerPolicy })).toEqual([distrusted]);
  const impostor = bundleOf('same-name-root.pem', [pki.ca.certPem, (await createCa({ commonName: 'Distrusted Root' })).certPem]);
  expect(await impostor.run(peerCertificateCheck, { ...connected, peerPolicy: impostor.request({ ...at, who: leaf }).peerPolicy })).toEqual([distrusted]);
});

test('an expired leaf is named as the leaf, before any CA', async () => {
  const intermediate = await createCa({ commonName: 'Also Expired Intermediate', issuer: pki.ca, ...past() });
  const leaf = await issue('expired-leaf', { issuer: intermediate, ...past() });
  const findings = await listener.run(peerCertificateCheck, { ...at, who: leaf, intermediates: [intermediate.certPem] });
  expect(findings.filter((finding) => finding.reason === 'cert_expired').map((finding) => finding.detail)).toEqual(['notAfter has passed since the handshake (a kept-alive connection or a resumed session)']);
});

test('a chain no CA of the bundle issued (a session resumed past a bundle change) → unknown_ca (fail closed)', async () => {
  const stranger = await createCa({ commonName: 'Stranger CA' });
  const leaf = await issue('under-stranger', { issuer: stranger });
  expect(await listener.run(peerCertificateCheck, { ...at, who: leaf })).toEqual([
    { check: 'peer-certificate', reason: 'unknown_ca', severity: 'deny', detail: 'no CA in the trust bundle issued the certificate chain of this connection' },
  ]);
});

test('an intermediate the peer sent that the CRL of its CA lists → cert_revoked naming it', async () => {
  const intermediate = await createCa({ commonName: 'Revoked Intermediate', issuer: pki.ca });
  const leaf = await issue('under-revoked-intermediate', { issuer: intermediate });
  const crl = await createCrl({ issuer: pki.ca, revoked: [intermediate] });
  const withCrl = checkContext(pki, { routes: ROUTES, listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath, crl: [pki.write('revokes-intermediate.crl.pem', crl.pem)] } } });
  expect(await withCrl.run(peerCertificateCheck, { ...at, who: leaf, intermediates: [intermediate.certPem] })).toEqual([
    { check: 'peer-certificate', reason: 'cert_revoked', severity: 'deny', detail: 'intermediate CN=Revoked Intermediate is listed in a configured CRL' },
  ]);
  expect(await listener.run(peerCertificateCheck, { ...at, who: leaf, intermediates: [intermediate.certPem] })).toEqual([]);
});

test('a peer whose certificate was never analysed → cert_invalid (fail closed)', async () => {
  const request = listener.request({ ...at, who: pki.frontend });
  const unanalysed = { ...request, peer: { ...request.peer, certificate: undefined } };
  expect(await listener.run(peerCertificateCheck, unanalysed)).toEqual([{ check: 'peer-certificate', reason: 'cert_invalid', severity: 'deny', detail: 'peer certificate was not analyzed' }]);
});
