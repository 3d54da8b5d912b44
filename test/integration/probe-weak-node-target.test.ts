// A Node TLS server configured weak in every way the probe checks (TLS 1.0 allowed, CBC and
// static-RSA suites, an RSA-1024 certificate signed with SHA-1, no client certificate requested,
// HTTP answered to anyone) gets each of those findings, at its severity.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ProbeReport } from '../../src/probe/types.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { ids, probeLocal, startTarget, type ProbeTestTarget } from '../helpers/probe-target.js';

let pki: TestPki;
let target: ProbeTestTarget;
let report: ProbeReport;

beforeAll(async () => {
  pki = await makePki();
  const weak = await pki.issue('weak', { dnsNames: ['localhost'], keyType: 'rsa-1024', hash: 'SHA-1', extendedKeyUsages: ['serverAuth'] });
  target = await startTarget({
    cert: weak.certPem,
    key: weak.keyPem,
    minVersion: 'TLSv1',
    maxVersion: 'TLSv1.2',
    ciphers: 'AES128-SHA:AES256-SHA256:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0',
  });
  report = await probeLocal(target.port, { ca: pki.ca.certPem });
});
afterAll(async () => {
  await target?.close();
  pki?.cleanup();
});

test('protocols: TLS 1.0 and 1.1 accepted, no TLS 1.3', () => {
  expect(report.checks.protocols?.facts['accepted']).toEqual(['TLSv1', 'TLSv1.1', 'TLSv1.2']);
  expect(ids(report)).toEqual(expect.arrayContaining(['tls10_accepted', 'tls11_accepted', 'tls13_not_supported']));
  expect(report.findings.find((finding) => finding.id === 'tls13_not_supported')?.severity).toBe('low');
  expect(String(report.checks.protocols?.facts['fallbackScsv'])).toMatch(/^honoured/);
});

test('ciphers: exactly the configured TLS 1.2 suites, classified', () => {
  const names = (report.checks.ciphers?.facts['tls12'] as Array<{ name: string }>).map((suite) => suite.name).sort();
  expect(names).toEqual(['AES128-SHA', 'AES256-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA']);
  const staticRsa = report.findings.find((finding) => finding.id === 'cipher_static_rsa');
  expect(staticRsa?.severity).toBe('medium');
  expect(staticRsa?.detail).toContain('AES128-SHA');
  expect(staticRsa?.detail).not.toContain('ECDHE');
  expect(report.findings.find((finding) => finding.id === 'cipher_cbc')?.severity).toBe('low');
  expect(ids(report)).not.toContain('cipher_no_aead_forward_secrecy');
});

test('certificate: RSA-1024 and SHA-1', () => {
  expect(report.findings.find((finding) => finding.id === 'weak_key')?.detail).toContain('RSA 1024');
  expect(report.findings.find((finding) => finding.id === 'weak_signature_algorithm')?.detail).toContain('SHA-1');
  expect(ids(report)).not.toContain('cert_untrusted');
  expect(ids(report)).not.toContain('cert_name_mismatch');
});

test('mTLS: no client certificate needed, and the app answers 200', () => {
  const finding = report.findings.find((item) => item.id === 'mtls_not_required');
  expect(finding?.severity).toBe('critical');
  expect(finding?.detail).toContain('HTTP 200');
  expect(report.checks.mtls?.facts['requestsClientCert']).toBe(false);
  // A server that never asks for a certificate is not reported as accepting bad ones.
  expect(ids(report)).not.toContain('accepts_untrusted_client_cert');
});

test('the report carries the negotiated parameters and certificate facts', () => {
  expect(report.reachable).toBe(true);
  expect(report.negotiated?.version).toBe('TLSv1.2');
  expect(report.certificate?.key).toBe('RSA 1024');
  expect(report.certificate?.subjectAltNames).toEqual(['DNS:localhost']);
  expect(report.certificate?.sha256).toMatch(/^[0-9a-f]{64}$/);
});
