// Revocation is not skipped by connection reuse. After a config reload adds a CRL listing the
// client's certificate: a keep-alive connection opened before the reload, and a TLS 1.2
// session resumed with the pre-reload ticket keys (which skips OpenSSL's chain verification),
// both get 401 cert_revoked from the per-connection policy check; a full handshake is refused.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:https';
import { expect, test } from 'vitest';
import { createCrl } from '../../src/certs/factory.js';
import { loadConfigObject } from '../../src/config/load.js';
import { keepAliveGet, openTls12, tryHandshake } from '../helpers/client.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import { sidecarConfig, type RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started));

test('a reload that revokes the client certificate is enforced on reused connections and resumed sessions', async () => {
  const server = (sidecar.sidecar as unknown as { listeners: Map<string, { server: Server }> }).listeners.get('app')!.server;
  const oldTicketKeys = server.getTicketKeys();

  const kept = await openTls12(sidecar.port, pki, pki.frontend);
  expect((await keepAliveGet(kept)).status).toBe(200);
  const session = kept.getSession();
  expect(session).toBeDefined();

  const crl = await createCrl({ issuer: pki.ca, revoked: [pki.frontend.issued] });
  const config = sidecarConfig(pki, { upstreamUrl: upstream.url, listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.caPath, crl: [pki.write('ca.crl.pem', crl.pem)] } } });
  const loaded = loadConfigObject(config, pki.dir);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  sidecar.sidecar.reload(loaded.value);

  // 1. The connection made before the reload.
  const reused = await keepAliveGet(kept);
  expect(reused.status).toBe(401);
  expect(JSON.parse(reused.body)['reason']).toBe('cert_revoked');
  kept.destroy();

  // 2. A resumed session. The listener rotates ticket keys when material changes; put the old
  // keys back to model a resumption that gets past that (a shared or persisted ticket key).
  server.setTicketKeys(oldTicketKeys);
  const resumed = await openTls12(sidecar.port, pki, pki.frontend, session);
  expect(resumed.isSessionReused()).toBe(true);
  const answer = await keepAliveGet(resumed);
  resumed.destroy();
  expect(answer.status).toBe(401);
  expect(JSON.parse(answer.body)['reason']).toBe('cert_revoked');

  // 3. A full handshake: OpenSSL refuses it with the CRL.
  const fresh = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem, maxVersion: 'TLSv1.2' });
  expect(fresh.ok).toBe(false);
  expect(upstream.received).toHaveLength(1);
});
