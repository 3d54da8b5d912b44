// A Palisade inbound listener, probed with a client certificate it accepts as the baseline,
// yields none of the mTLS findings: every bad client is refused in the handshake.
import { beforeAll, expect, test } from 'vitest';
import { atOrAbove } from '../../src/report/findings.js';
import type { ProbeReport } from '../../src/probe/types.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { probeLocal } from '../helpers/probe-target.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let report: ProbeReport;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: { routes: [{ name: 'all', path: '/**', allow: [IDS.frontend] }] },
});

beforeAll(async () => {
  report = await probeLocal(sidecar.port, { ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem, expectIdentity: IDS.server });
});

test('no mTLS finding, and the baseline gets through', () => {
  expect(report.checks.mtls?.findings, JSON.stringify(report.checks.mtls, null, 2)).toEqual([]);
  expect(String(report.checks.mtls?.facts['baseline'])).toMatch(/^accepted: HTTP 200/);
  for (const outcome of Object.values(report.checks.mtls?.facts['attempts'] as Record<string, string>)) expect(outcome).toMatch(/^refused_tls/);
});

test('nothing at or above medium anywhere', () => {
  expect(report.findings.filter((finding) => atOrAbove(finding.severity, 'medium')), JSON.stringify(report.findings, null, 2)).toEqual([]);
});

test('client-initiated renegotiation is refused, so the probe has no http finding about it', () => {
  expect(report.findings.map((finding) => finding.id)).not.toContain('client_renegotiation_accepted');
});
