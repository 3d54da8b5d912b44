// A real OpenSSL client offering only a non-AEAD TLS 1.2 suite (AES128-SHA256: CBC, no forward
// secrecy) is refused at the handshake as cipher_not_allowed.
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

test.each(['AES128-SHA256', 'ECDHE-ECDSA-AES128-SHA256'])('openssl s_client -tls1_2 -cipher %s → cipher_not_allowed', async (cipher) => {
  const before = await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { result: 'failure', reason: 'cipher_not_allowed' });
  const args = ['s_client', '-connect', `127.0.0.1:${sidecar.port}`, '-tls1_2', '-cipher', cipher, '-cert', pki.frontend.cert, '-key', pki.frontend.key];
  const result = await run('openssl', args, 10_000);
  expect(result.code).not.toBe(0);
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { result: 'failure', reason: 'cipher_not_allowed' })).toBe(before + 1);
  expect(upstream.received).toHaveLength(0);
});
