// /readyz is false while the sidecar has no valid certificate: a server certificate that
// expires while running (and is not rotated) turns readiness to 503 and palisade_ready to 0.
import { expect, test } from 'vitest';
import { request } from 'undici';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    const shortLived = await pki.issue('short-lived', { uris: [IDS.server], dnsNames: ['localhost'], notAfter: new Date(Date.now() + 2_500) });
    return { listener: { tls: { cert: shortLived.cert, key: shortLived.key, clientCa: pki.caPath } } };
  },
});

test('readiness follows the certificate: 200 while valid, 503 once it has expired', async () => {
  const readyz = async () => {
    const response = await request(`${sidecar.adminUrl}/readyz`);
    return { status: response.statusCode, text: await response.body.text() };
  };
  expect((await readyz()).status).toBe(200);
  expect(await metric(sidecar.adminUrl, 'palisade_ready')).toBe(1);

  const deadline = Date.now() + 10_000;
  let last = await readyz();
  while (last.status === 200 && Date.now() < deadline) {
    await sleep(100);
    last = await readyz();
  }
  expect(last.status).toBe(503);
  expect(last.text).toContain('listener app: its certificate expired');
  expect(await metric(sidecar.adminUrl, 'palisade_ready')).toBe(0);
});
