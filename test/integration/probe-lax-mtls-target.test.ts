// The classic mTLS bug: `requestCert: true, rejectUnauthorized: false` and an app that never looks
// at `socket.authorized`. The server asks for a certificate and takes whatever it gets: the probe
// reports a self-made, an expired and a non-clientAuth certificate accepted, and no certificate.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ProbeReport } from '../../src/probe/types.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { ids, probeLocal, startTarget, type ProbeTestTarget } from '../helpers/probe-target.js';

let pki: TestPki;
let target: ProbeTestTarget;
let report: ProbeReport;

beforeAll(async () => {
  pki = await makePki();
  target = await startTarget({ cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: false });
  report = await probeLocal(target.port, { ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem, checks: ['mtls'] });
});
afterAll(async () => {
  await target?.close();
  pki?.cleanup();
});

test('accepts_untrusted_client_cert, critical, with the identity the probe claimed', () => {
  const finding = report.findings.find((item) => item.id === 'accepts_untrusted_client_cert');
  expect(finding?.severity).toBe('critical');
  expect(finding?.detail).toContain('spiffe://test.palisade.local/ns/app/sa/frontend');
  expect(finding?.detail).toContain('HTTP 200');
});

test('the expired and non-clientAuth certificates and no certificate are accepted too', () => {
  expect(ids(report)).toEqual(expect.arrayContaining(['mtls_not_required', 'accepts_expired_client_cert', 'accepts_client_cert_without_client_auth']));
  expect(report.checks.mtls?.facts['requestsClientCert']).toBe(true);
  expect(String(report.checks.mtls?.facts['baseline'])).toMatch(/^accepted/);
});
