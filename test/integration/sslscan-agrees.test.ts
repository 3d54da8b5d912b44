// An independent opinion: sslscan against an inbound listener with default settings sees
// TLS 1.0/1.1 disabled, TLS 1.2 and 1.3 enabled, and no non-AEAD TLS 1.2 suite accepted. It
// presents a client certificate: without one, TLS 1.2 handshakes end before a suite is listed.
// Without sslscan the test fails on CI and is skipped elsewhere.
import { execFile, spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

const available = spawnSync('sslscan', ['--version'], { encoding: 'utf8' }).error === undefined;
if (!available && process.env['CI']) throw new Error('sslscan is required on CI (Debian package sslscan)');

/** Run a real tool without blocking the event loop (the sidecar runs in this process). */
function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout });
    });
    child.stdin?.end();
  });
}

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started));

test.skipIf(!available)('sslscan agrees with the configured policy', async () => {
  const result = await run('sslscan', ['--no-colour', '--no-heartbleed', '--no-renegotiation', '--no-compression', `--certs=${pki.frontend.cert}`, `--pk=${pki.frontend.key}`, `127.0.0.1:${sidecar.port}`], 60_000);
  const out = result.stdout;
  expect(out, out).toMatch(/TLSv1\.0\s+disabled/);
  expect(out, out).toMatch(/TLSv1\.1\s+disabled/);
  expect(out, out).toMatch(/TLSv1\.2\s+enabled/);
  expect(out, out).toMatch(/TLSv1\.3\s+enabled/);
  const accepted = [...out.matchAll(/^(?:Preferred|Accepted)\s+(TLSv1\.[0-3])\s+\d+ bits\s+(\S+)/gm)].map((match) => ({ version: match[1], cipher: match[2] as string }));
  expect(accepted.some((suite) => suite.version === 'TLSv1.2'), out).toBe(true);
  for (const suite of accepted) {
    expect(suite.version === 'TLSv1.2' || suite.version === 'TLSv1.3', `${JSON.stringify(suite)}\n${out}`).toBe(true);
    if (suite.version === 'TLSv1.2') expect(suite.cipher, out).toMatch(/^ECDHE-(ECDSA|RSA)-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/);
  }
});
