// A peer without a client certificate never completes a usable connection: the handshake is
// refused (node:tls and the real curl both), nothing reaches the app, and the refusal is
// counted as no_client_cert.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { tryHandshake } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

const run = promisify(execFile);
let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started));

test('TLS 1.3 and TLS 1.2 clients without a certificate are refused', async () => {
  const v13 = await tryHandshake(sidecar.port, { ca: pki.ca.certPem });
  expect(v13.ok).toBe(false);
  expect(v13.error).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  const v12 = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, maxVersion: 'TLSv1.2' });
  expect(v12.ok).toBe(false);
  expect(v12.response).toBe('');

  expect(upstream.received).toHaveLength(0);
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { listener: 'app', result: 'failure', reason: 'no_client_cert' })).toBe(2);
});

test('curl without a client certificate fails the handshake', async () => {
  const attempt = run('curl', ['-sS', '--max-time', '5', '--cacert', pki.caPath, `${sidecar.url}/public/x`]);
  await expect(attempt).rejects.toMatchObject({ code: expect.any(Number) });
  expect(upstream.received).toHaveLength(0);
});
