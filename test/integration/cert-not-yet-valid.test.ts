// A client certificate whose notBefore is in the future is refused at the handshake as
// cert_not_yet_valid (expired ones: see wrong-ca.test.ts).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tryHandshake } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  sidecar = await startSidecar(pki, { upstreamUrl: upstream.url });
});
afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
});

test('a certificate valid only from tomorrow is refused as cert_not_yet_valid', async () => {
  const future = await pki.issue('future', { uris: [IDS.frontend], notBefore: new Date(Date.now() + 86_400_000), notAfter: new Date(Date.now() + 2 * 86_400_000) });
  const result = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: future.certPem, key: future.keyPem });
  expect(result.ok).toBe(false);
  expect(upstream.received).toHaveLength(0);
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { result: 'failure', reason: 'cert_not_yet_valid' })).toBe(1);
});
