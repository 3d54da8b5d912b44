// Expiry is not skipped by connection reuse. OpenSSL checks a certificate's validity period only
// at a full handshake: a keep-alive connection opened before the client certificate's notAfter,
// and a TLS 1.2 session resumed from its ticket after it, both get 401 cert_expired from the
// per-request policy check once notAfter has passed; a full handshake is refused.
import { expect, test } from 'vitest';
import { keepAliveGet, openTls12, tryHandshake } from '../helpers/client.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started));

test('a client certificate that expires is refused on a kept-alive connection and on a resumed session', async () => {
  // X.509 times have whole seconds: notAfter 3 s from now, rounded down.
  const notAfter = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_000);
  const shortLived = await pki.issue('short-lived', { uris: [IDS.frontend], notAfter });

  const kept = await openTls12(sidecar.port, pki, shortLived);
  expect((await keepAliveGet(kept)).status).toBe(200);
  const session = kept.getSession();
  expect(session).toBeDefined();

  await sleep(notAfter.getTime() - Date.now() + 1_100);

  // 1. The connection made while the certificate was valid.
  const reused = await keepAliveGet(kept);
  expect(reused.status).toBe(401);
  expect(JSON.parse(reused.body)['reason']).toBe('cert_expired');
  kept.destroy();

  // 2. A session resumed from the ticket of that connection: OpenSSL does not look at the dates.
  const resumed = await openTls12(sidecar.port, pki, shortLived, session);
  expect(resumed.isSessionReused()).toBe(true);
  const answer = await keepAliveGet(resumed);
  resumed.destroy();
  expect(answer.status).toBe(401);
  expect(JSON.parse(answer.body)['reason']).toBe('cert_expired');

  // 3. A full handshake: OpenSSL refuses the expired certificate.
  const fresh = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: shortLived.certPem, key: shortLived.keyPem, maxVersion: 'TLSv1.2' });
  expect(fresh.ok).toBe(false);
  expect(upstream.received).toHaveLength(1);
});
