// A TLS 1.3-only server that never asks for a client certificate. TLS 1.3 encrypts the
// CertificateRequest, so the probe cannot see that no certificate is wanted: it reports
// mtls_not_required and does not claim that the self-made certificates were "accepted".
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ProbeReport } from '../../src/probe/types.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { ids, probeLocal, startTarget, type ProbeTestTarget } from '../helpers/probe-target.js';

let pki: TestPki;
let target: ProbeTestTarget;
let report: ProbeReport;

beforeAll(async () => {
  pki = await makePki();
  target = await startTarget({ cert: pki.server.certPem, key: pki.server.keyPem, minVersion: 'TLSv1.3' });
  report = await probeLocal(target.port, { ca: pki.ca.certPem, checks: ['mtls'] });
});
afterAll(async () => {
  await target?.close();
  pki?.cleanup();
});

test('mtls_not_required, and no verdict on certificates that were never asked for', () => {
  expect(report.findings.find((finding) => finding.id === 'mtls_not_required')?.severity).toBe('critical');
  expect(ids(report)).not.toContain('accepts_untrusted_client_cert');
  expect(ids(report)).not.toContain('accepts_expired_client_cert');
  const attempts = report.checks.mtls?.facts['attempts'] as Record<string, string>;
  expect(attempts['client certificate from a self-made CA']).toMatch(/^not determined/);
  expect(String(report.checks.mtls?.facts['certificateAuthorities'])).toMatch(/not visible/);
});
