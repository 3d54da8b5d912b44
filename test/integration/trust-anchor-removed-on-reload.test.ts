// Taking a CA out of clientCa, and reloading, is how an operator stops trusting it (a
// compromised or retired CA). Reloads keep connections open, and OpenSSL looks at the trust
// bundle at full handshakes only, so a kept-alive connection verified through the removed CA
// would go on being served. It is not: its next request gets 401 unknown_ca, and so does a TLS
// 1.2 session resumed from before the reload (which skips OpenSSL's verification); a new
// handshake with that certificate is refused, and a connection under a CA that stayed works.
import type { Server } from 'node:https';
import { expect, test } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { createCa } from '../../src/certs/factory.js';
import { keepAliveGet, openTls12, tryHandshake } from '../helpers/client.js';
import { IDS, type CertFiles, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import { sidecarConfig, type RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let partner: CertFiles;

const listener = (clientCa: string) => ({ tls: { cert: pki.server.cert, key: pki.server.key, clientCa } });

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    const retired = await createCa({ commonName: 'Retired Partner CA' });
    partner = await pki.issue('partner', { uris: [IDS.frontend], issuer: retired });
    return { listener: { tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.write('both-cas.pem', pki.ca.certPem + retired.certPem) } } };
  },
});

test('a kept-alive connection or a resumed session through a CA removed by a reload → 401 unknown_ca; a CA that stayed → 200', async () => {
  const viaRetired = await openTls12(sidecar.port, pki, partner);
  const viaKept = await openTls12(sidecar.port, pki, pki.frontend);
  expect((await keepAliveGet(viaRetired)).status).toBe(200);
  expect((await keepAliveGet(viaKept)).status).toBe(200);
  const server = (sidecar.sidecar as unknown as { listeners: Map<string, { server: Server }> }).listeners.get('app')!.server;
  const oldTicketKeys = server.getTicketKeys();
  const session = viaRetired.getSession();
  expect(session).toBeDefined();

  const next = loadConfigObject(sidecarConfig(pki, { upstreamUrl: upstream.url, listener: listener(pki.caPath) }), pki.dir);
  if (!next.ok) throw new Error(next.errors.join('\n'));
  sidecar.sidecar.reload(next.value);

  const refused = await keepAliveGet(viaRetired);
  viaRetired.destroy();
  expect(refused.status).toBe(401);
  expect(JSON.parse(refused.body)['reason']).toBe('unknown_ca');
  expect((await keepAliveGet(viaKept)).status).toBe(200);
  viaKept.destroy();
  // A resumed session. The listener rotates ticket keys when material changes; put the old keys
  // back to model a resumption that gets past that (a shared or persisted ticket key).
  server.setTicketKeys(oldTicketKeys);
  const resumed = await openTls12(sidecar.port, pki, partner, session);
  expect(resumed.isSessionReused()).toBe(true);
  const answer = await keepAliveGet(resumed);
  resumed.destroy();
  expect(answer.status).toBe(401);
  expect(JSON.parse(answer.body)['reason']).toBe('unknown_ca');
  // A new full handshake with the partner's certificate: OpenSSL refuses it under the new bundle.
  expect((await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: partner.certPem, key: partner.keyPem, maxVersion: 'TLSv1.2' })).ok).toBe(false);
  expect(upstream.received).toHaveLength(3);
});
