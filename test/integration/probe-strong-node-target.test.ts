// A Node TLS server configured strong (TLS 1.2/1.3, AEAD suites with forward secrecy in the
// server's order, an EC P-256 SVID, mutual TLS required) produces no finding at or above medium,
// and `palisade probe` exits 0 for it, with the same report as JSON.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { atOrAbove } from '../../src/report/findings.js';
import type { ProbeReport } from '../../src/probe/types.js';
import { runCli } from '../helpers/cli.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { probeLocal, startTarget, type ProbeTestTarget } from '../helpers/probe-target.js';

let pki: TestPki;
let target: ProbeTestTarget;
let report: ProbeReport;

beforeAll(async () => {
  pki = await makePki();
  target = await startTarget({
    cert: pki.server.certPem,
    key: pki.server.keyPem,
    ca: pki.ca.certPem,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305',
    honorCipherOrder: true,
  });
  report = await probeLocal(target.port, { ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem, expectIdentity: IDS.server });
});
afterAll(async () => {
  await target?.close();
  pki?.cleanup();
});

test('no finding at or above medium', () => {
  expect(report.findings.filter((finding) => atOrAbove(finding.severity, 'medium')), JSON.stringify(report.findings, null, 2)).toEqual([]);
});

test('what the strong server accepts is what it was configured with', () => {
  expect(report.checks.protocols?.facts['accepted']).toEqual(['TLSv1.2', 'TLSv1.3']);
  expect((report.checks.ciphers?.facts['tls12'] as Array<{ name: string }>).map((suite) => suite.name).sort()).toEqual(['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']);
  expect(String(report.checks.ciphers?.facts['preference'])).toMatch(/^server order/);
  expect(report.certificate?.spiffeIds).toEqual([IDS.server]);
});

test('mTLS is enforced: every bad client refused, the baseline accepted, the CA named', () => {
  const facts = report.checks.mtls?.facts ?? {};
  expect(String(facts['baseline'])).toMatch(/^accepted: HTTP 200/);
  for (const outcome of Object.values(facts['attempts'] as Record<string, string>)) expect(outcome, JSON.stringify(facts)).toMatch(/^refused_tls/);
  expect(facts['inconclusive']).toBe(false);
  expect(facts['certificateAuthorities']).toEqual(['CN=Palisade Test CA']);
});

test('the CLI exits 0 and prints the same report as JSON', async () => {
  const result = await runCli(['probe', `localhost:${target.port}`, '--ca', pki.caPath, '--cert', pki.frontend.cert, '--key', pki.frontend.key, '--expect-identity', IDS.server, '--format', 'json'], { timeoutMs: 60_000 });
  expect(result.code, result.stderr).toBe(0);
  const json = JSON.parse(result.stdout) as ProbeReport;
  expect(json.schema).toBe('palisade.probe.v1');
  expect(json.target).toBe(`localhost:${target.port}`);
  expect(json.findings.map((finding) => finding.id).sort()).toEqual(report.findings.map((finding) => finding.id).sort());
});
