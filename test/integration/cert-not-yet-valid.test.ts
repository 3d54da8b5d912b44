// A client certificate whose notBefore is in the future is refused at the handshake as
// cert_not_yet_valid (expired ones: see wrong-ca.test.ts).
import { expect, test } from 'vitest';
import { tryHandshake } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started));

test('a certificate valid only from tomorrow is refused as cert_not_yet_valid', async () => {
  const future = await pki.issue('future', { uris: [IDS.frontend], notBefore: new Date(Date.now() + 86_400_000), notAfter: new Date(Date.now() + 2 * 86_400_000) });
  const result = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: future.certPem, key: future.keyPem });
  expect(result.ok).toBe(false);
  expect(upstream.received).toHaveLength(0);
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { result: 'failure', reason: 'cert_not_yet_valid' })).toBe(1);
});
