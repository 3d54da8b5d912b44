// A refused handshake is named from what the certificate and the handshake showed, not only
// from OpenSSL's error string, and carries the TLS version it was refused on. On OpenSSL 3.0
// a SHA-1-signed client certificate fails verification as UNSPECIFIED: it must still be
// counted and logged as weak_signature_algorithm, with version="TLSv1.3" / "TLSv1.2"; so must
// a SHA-256 leaf under a SHA-1-signed intermediate.
import { writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createCa, type IssuedCert } from '../../src/certs/factory.js';
import { nextHandshakeRefusal } from '../helpers/attempt.js';
import { tryHandshake } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type CertFiles, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let rsaCa: IssuedCert;
const certs: Record<string, CertFiles> = {};

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    rsaCa = await createCa({ keyType: 'rsa-2048', commonName: 'Palisade Test RSA CA' });
    const stranger = await createCa({ commonName: 'Stranger CA' });
    writeFileSync(join(pki.dir, 'bundle.pem'), pki.ca.certPem + rsaCa.certPem);
    certs['sha1'] = await pki.issue('sha1', { issuer: rsaCa, hash: 'SHA-1', uris: [IDS.frontend] });
    certs['sha1-ec-leaf'] = await pki.issue('sha1-ec', { issuer: rsaCa, hash: 'SHA-1', uris: [IDS.frontend], keyType: 'ec-p384' });
    certs['sha1-unknown-ca'] = await pki.issue('sha1-stranger', { issuer: await createCa({ keyType: 'rsa-2048', commonName: 'Stranger RSA CA' }), hash: 'SHA-1', uris: [IDS.frontend] });
    // A SHA-256 leaf under a SHA-1-signed intermediate (the client sends both; the root is trusted).
    const intermediate = await createCa({ keyType: 'rsa-2048', commonName: 'SHA-1 Intermediate', issuer: rsaCa, hash: 'SHA-1' });
    const underSha1 = await pki.issue('under-sha1', { issuer: intermediate, uris: [IDS.frontend] });
    certs['sha1-intermediate'] = { ...underSha1, certPem: underSha1.certPem + intermediate.certPem };
    certs['server-auth-only'] = await pki.issue('server-only', { uris: [IDS.frontend], extendedKeyUsages: ['serverAuth'] });
    certs['unknown-ca'] = await pki.issue('stranger', { issuer: stranger, uris: [IDS.frontend] });
    certs['expired'] = await pki.issue('expired', { uris: [IDS.frontend], notBefore: new Date(Date.now() - 48 * 3_600_000), notAfter: new Date(Date.now() - 3_600_000) });
    const tls = { cert: pki.server.cert, key: pki.server.key, clientCa: join(pki.dir, 'bundle.pem') };
    return { listener: { tls } };
  },
});

// The client lowers its own security level so that it will send a SHA-1 certificate at all.
const CLIENT = { ciphers: 'DEFAULT@SECLEVEL=0' };

const CASES: Array<{ cert: string | null; version: 'TLSv1.2' | 'TLSv1.3'; reason: string }> = [
  { cert: 'sha1', version: 'TLSv1.3', reason: 'weak_signature_algorithm' },
  { cert: 'sha1', version: 'TLSv1.2', reason: 'weak_signature_algorithm' },
  { cert: 'sha1-ec-leaf', version: 'TLSv1.3', reason: 'weak_signature_algorithm' },
  { cert: 'sha1-intermediate', version: 'TLSv1.3', reason: 'weak_signature_algorithm' },
  { cert: 'sha1-intermediate', version: 'TLSv1.2', reason: 'weak_signature_algorithm' },
  // Trust comes first: a SHA-1 certificate from a CA nobody trusts is an unknown CA.
  { cert: 'sha1-unknown-ca', version: 'TLSv1.3', reason: 'unknown_ca' },
  { cert: 'server-auth-only', version: 'TLSv1.3', reason: 'cert_not_client_auth' },
  { cert: 'server-auth-only', version: 'TLSv1.2', reason: 'cert_not_client_auth' },
  { cert: 'unknown-ca', version: 'TLSv1.2', reason: 'unknown_ca' },
  { cert: 'expired', version: 'TLSv1.3', reason: 'cert_expired' },
  { cert: null, version: 'TLSv1.3', reason: 'no_client_cert' },
  { cert: null, version: 'TLSv1.2', reason: 'no_client_cert' },
];

test.each(CASES)('$cert over $version → $reason, version=$version', async ({ cert, version, reason }) => {
  const before = sidecar.logs.lines().filter((line) => line['type'] === 'handshake').length;
  const metricBefore = await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { result: 'failure', reason, version });
  const who = cert ? certs[cert] : undefined;
  const result = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, ...CLIENT, minVersion: version, maxVersion: version, ...(who ? { cert: who.certPem, key: who.keyPem } : {}) });
  expect(result.ok).toBe(false);
  const line = await nextHandshakeRefusal(sidecar, before);
  expect(line).toMatchObject({ reason, version });
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { result: 'failure', reason, version })).toBe(metricBefore + 1);
  expect(upstream.received).toHaveLength(0);
});

test('no refused handshake is counted under version="unknown" when a version was negotiated', async () => {
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { result: 'failure', version: 'unknown' })).toBe(0);
});

test('a cipher refusal is counted under the version it was refused on', async () => {
  const before = sidecar.logs.lines().filter((line) => line['type'] === 'handshake').length;
  const who = pki.frontend;
  const result = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:@SECLEVEL=0', cert: who.certPem, key: who.keyPem });
  expect(result.ok).toBe(false);
  expect(await nextHandshakeRefusal(sidecar, before)).toMatchObject({ reason: 'cipher_not_allowed', version: 'TLSv1.2' });
});

test('plain HTTP on the TLS port is not passed off as a TLS version: version="unknown"', async () => {
  const before = sidecar.logs.lines().filter((line) => line['type'] === 'handshake').length;
  await new Promise<void>((resolve) => {
    const socket = netConnect(sidecar.port, '127.0.0.1', () => socket.end('GET /public/x HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    socket.resume();
  });
  expect(await nextHandshakeRefusal(sidecar, before)).toMatchObject({ reason: 'handshake_failed', version: 'unknown' });
  expect(upstream.received).toHaveLength(0);
});

test('a ClientHello offering only TLS 1.1 is counted under the version it offered', async () => {
  const before = sidecar.logs.lines().filter((line) => line['type'] === 'handshake').length;
  const who = certs['expired'] as CertFiles;
  const result = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, ...CLIENT, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', cert: who.certPem, key: who.keyPem });
  expect(result.ok).toBe(false);
  expect(await nextHandshakeRefusal(sidecar, before)).toMatchObject({ reason: 'tls_version_not_allowed', version: 'TLSv1.1' });
});
