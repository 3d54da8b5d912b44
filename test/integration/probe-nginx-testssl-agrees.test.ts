// An independent opinion on the probe: testssl.sh (Debian package testssl.sh) against a weak and
// a strong nginx (Debian package nginx), each started with a config this test writes. The
// protocols and TLS 1.2 suites the probe reports accepted equal what testssl.sh reports offered,
// and every testssl.sh finding of severity MEDIUM or above has a matching probe finding. The
// mapping from testssl.sh ids to probe ids lives here, not in the product.
//
// testssl.sh is slow (about 20 s per target on an idle 2-core machine, minutes on a loaded one):
// the two runs go in parallel, with only the protocol, cipher-per-protocol and server-default
// (certificate) scans and no DNS lookups.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { atOrAbove } from '../../src/report/findings.js';
import { renderProbe } from '../../src/probe/render.js';
import type { ProbeReport } from '../../src/probe/types.js';
import { NGINX, startNginx, type RunningNginx } from '../helpers/nginx.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { probeLocal } from '../helpers/probe-target.js';

const hasTestssl = spawnSync('testssl', ['--version'], { stdio: 'ignore' }).error === undefined;
if (process.env['CI'] && (!hasTestssl || !NGINX)) throw new Error('testssl.sh and nginx are required on CI (Debian packages testssl.sh, nginx)');
const skip = !hasTestssl || !NGINX;

interface TestsslFinding {
  readonly id: string;
  readonly severity: string;
  readonly finding: string;
}

/** testssl.sh id → the probe finding ids any one of which covers it. */
const MAPPING: Record<string, readonly string[]> = {
  SSLv2: ['sslv2_accepted'],
  SSLv3: ['sslv3_accepted'],
  TLS1: ['tls10_accepted'],
  TLS1_1: ['tls11_accepted'],
  cert_signatureAlgorithm: ['weak_signature_algorithm'],
  cert_keySize: ['weak_key'],
  cert_trust: ['cert_name_mismatch'],
  cert_chain_of_trust: ['cert_untrusted', 'chain_incomplete'],
  cert_revocation: ['cert_no_revocation_info'],
  cert_expirationStatus: ['cert_expired', 'cert_expiring_soon'],
  cert_notAfter: ['cert_expired', 'cert_expiring_soon'],
  cert_validityPeriod: ['cert_lifetime_too_long'],
  cert_extKeyUsage: ['cert_missing_server_auth'],
  certs_list_ordering_problem: ['chain_out_of_order'],
  cipher_order: ['cipher_order_client'],
  FS: ['cipher_no_aead_forward_secrecy', 'cipher_static_rsa'],
  fallback_SCSV: ['fallback_scsv_not_honoured'],
  secure_renego: ['insecure_renegotiation'],
  secure_client_renego: ['client_renegotiation_accepted'],
  CRIME_TLS: ['tls_compression'],
};
const PROTOCOLS: Record<string, string> = { TLS1: 'TLSv1', TLS1_1: 'TLSv1.1', TLS1_2: 'TLSv1.2', TLS1_3: 'TLSv1.3' };

function testssl(port: number, caPath: string, dir: string): Promise<TestsslFinding[]> {
  const jsonFile = join(dir, `testssl-${port}.json`);
  const args = ['--warnings', 'off', '--color', '0', '--quiet', '--nodns', 'none', '-p', '-E', '-S', '--add-ca', caPath, '--ip', '127.0.0.1', '--jsonfile', jsonFile, `localhost:${port}`];
  return new Promise((resolve, reject) => {
    execFile('testssl', args, { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      try {
        resolve(JSON.parse(readFileSync(jsonFile, 'utf8')) as TestsslFinding[]);
      } catch {
        reject(new Error(`testssl.sh ${args.join(' ')} wrote no JSON (${error?.killed ? `killed after 240 s, signal ${String(error.signal)}` : String(error)})\n${stdout}\n${stderr}`));
      }
    });
  });
}

const WEAK = {
  protocols: 'TLSv1 TLSv1.1 TLSv1.2',
  ciphers: 'AES128-SHA:AES256-SHA256:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA384:@SECLEVEL=0',
};
const STRONG = {
  protocols: 'TLSv1.2 TLSv1.3',
  ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305',
};

let pki: TestPki;
let weak: RunningNginx;
let strong: RunningNginx;
let dir: string;
const results: Record<'weak' | 'strong', { probe: ProbeReport; testssl: TestsslFinding[] }> = {} as never;

beforeAll(async () => {
  if (skip) return;
  pki = await makePki();
  dir = mkdtempSync(join(tmpdir(), 'palisade-testssl-'));
  const ninetyDays = new Date(Date.now() + 90 * 24 * 3_600_000);
  const weakCert = await pki.issue('nginx-weak', { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], keyType: 'rsa-1024', hash: 'SHA-1', extendedKeyUsages: ['serverAuth'], notAfter: ninetyDays });
  const strongCert = await pki.issue('nginx-strong', { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], keyType: 'ec-p256', extendedKeyUsages: ['serverAuth'], notAfter: ninetyDays });
  const files = (cert: typeof weakCert) => ({ 'server.pem': cert.certPem, 'server-key.pem': cert.keyPem, 'ca.pem': pki.ca.certPem });
  weak = await startNginx(
    [
      'ssl_certificate DIR/server.pem;',
      'ssl_certificate_key DIR/server-key.pem;',
      `ssl_protocols ${WEAK.protocols};`,
      `ssl_ciphers '${WEAK.ciphers}';`,
      'ssl_prefer_server_ciphers off;',
      'location / { return 200 "weak\\n"; }',
    ].join('\n'),
    files(weakCert),
  );
  strong = await startNginx(
    [
      'ssl_certificate DIR/server.pem;',
      'ssl_certificate_key DIR/server-key.pem;',
      `ssl_protocols ${STRONG.protocols};`,
      `ssl_ciphers '${STRONG.ciphers}';`,
      'ssl_prefer_server_ciphers on;',
      'ssl_client_certificate DIR/ca.pem;',
      'ssl_verify_client on;',
      'location / { return 200 "strong\\n"; }',
    ].join('\n'),
    files(strongCert),
  );
  const probeOptions = { ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem };
  const [weakTestssl, strongTestssl] = await Promise.all([testssl(weak.port, pki.caPath, dir), testssl(strong.port, pki.caPath, dir)]);
  // The probes run after testssl.sh so that neither one's load makes the other time out.
  results.weak = { probe: await probeLocal(weak.port, probeOptions), testssl: weakTestssl };
  results.strong = { probe: await probeLocal(strong.port, probeOptions), testssl: strongTestssl };
  mkdirSync('reports', { recursive: true });
  writeFileSync('reports/probe-nginx-weak.txt', renderProbe(results.weak.probe, 'text', 'medium'));
}, 300_000);
afterAll(async () => {
  await weak?.close();
  await strong?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  pki?.cleanup();
});

function offeredProtocols(findings: readonly TestsslFinding[]): string[] {
  return Object.keys(PROTOCOLS)
    .filter((id) => findings.find((finding) => finding.id === id)?.finding.startsWith('offered'))
    .map((id) => PROTOCOLS[id] as string);
}

/** Suite codes testssl.sh lists for a protocol (`cipher-tls1_2_xc02f`), as 0x-prefixed 4-digit hex. */
function offeredSuites(findings: readonly TestsslFinding[], protocol: 'tls1_2' | 'tls1_3'): string[] {
  return findings
    .map((finding) => new RegExp(`^cipher-${protocol}_x([0-9a-f]+)$`).exec(finding.id)?.[1])
    .filter((code): code is string => code !== undefined)
    .map((code) => `0x${code.padStart(4, '0')}`)
    .sort();
}

function probeSuites(report: ProbeReport, key: 'tls12' | 'tls13'): string[] {
  return ((report.checks.ciphers?.facts[key] as Array<{ code: string }>) ?? []).map((suite) => suite.code).sort();
}

for (const which of ['weak', 'strong'] as const) {
  test.skipIf(skip)(`${which} nginx: the same protocols as testssl.sh`, () => {
    const { probe, testssl: findings } = results[which];
    expect(probe.checks.protocols?.facts['accepted']).toEqual(offeredProtocols(findings));
    for (const legacy of ['SSLv2', 'SSLv3']) expect(findings.find((finding) => finding.id === legacy)?.finding).toMatch(/^not offered/);
  });

  test.skipIf(skip)(`${which} nginx: the same TLS 1.2 and 1.3 suites as testssl.sh`, () => {
    const { probe, testssl: findings } = results[which];
    const theirs = offeredSuites(findings, 'tls1_2');
    const ours = probeSuites(probe, 'tls12');
    const union = new Set([...theirs, ...ours]);
    const agreed = ours.filter((code) => theirs.includes(code));
    console.log(`${which} nginx: TLS 1.2 suites agreed ${agreed.length}/${union.size}; TLS 1.3 suites: probe ${probeSuites(probe, 'tls13').join(',') || 'none'}, testssl.sh ${offeredSuites(findings, 'tls1_3').join(',') || 'none'}`);
    expect(theirs.length).toBeGreaterThan(0);
    expect(ours).toEqual(theirs);
    expect(probeSuites(probe, 'tls13')).toEqual(offeredSuites(findings, 'tls1_3'));
  });

  test.skipIf(skip)(`${which} nginx: every testssl.sh finding at MEDIUM or above has a probe finding`, () => {
    const { probe, testssl: findings } = results[which];
    const ours = new Set(probe.findings.map((finding) => finding.id));
    const serious = findings.filter((finding) => ['MEDIUM', 'HIGH', 'CRITICAL'].includes(finding.severity));
    const unmatched = serious.filter((finding) => !(MAPPING[finding.id] ?? []).some((id) => ours.has(id)));
    expect(unmatched, `probe findings: ${[...ours].join(', ')}`).toEqual([]);
    if (which === 'weak') expect(serious.length).toBeGreaterThan(0);
  });
}

test.skipIf(skip)('the weak nginx fails the probe, the strong one has nothing at or above medium', () => {
  expect(results.weak.probe.findings.filter((finding) => atOrAbove(finding.severity, 'medium')).length).toBeGreaterThan(3);
  expect(results.strong.probe.findings.filter((finding) => atOrAbove(finding.severity, 'medium')), JSON.stringify(results.strong.probe.findings, null, 2)).toEqual([]);
});
