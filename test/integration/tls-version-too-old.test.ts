// A real OpenSSL client limited to TLS 1.1 is refused at the handshake as
// tls_version_not_allowed (the listener's floor is TLS 1.2).
import { execFile } from 'node:child_process';
import { expect, test } from 'vitest';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

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

test('openssl s_client -tls1_1 → tls_version_not_allowed', async () => {
  // SECLEVEL=0 so the client itself is willing to speak TLS 1.1; spawnSync's timeout bounds the wait.
  const args = ['s_client', '-connect', `127.0.0.1:${sidecar.port}`, '-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0', '-cert', pki.frontend.cert, '-key', pki.frontend.key];
  const result = await run('openssl', args, 10_000);
  expect(result.code).not.toBe(0);
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { result: 'failure', reason: 'tls_version_not_allowed' })).toBe(1);
  expect(upstream.received).toHaveLength(0);
});
