// /readyz is false while the sidecar has no valid certificate: a server certificate that
// expires while running (and is not rotated) turns readiness to 503 and palisade_ready to 0.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { request } from 'undici';
import { metric } from '../helpers/metrics.js';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

beforeAll(async () => {
  pki = await makePki();
  upstream = await startUpstream();
  const shortLived = await pki.issue('short-lived', { uris: [IDS.server], dnsNames: ['localhost'], notAfter: new Date(Date.now() + 2_500) });
  sidecar = await startSidecar(pki, { upstreamUrl: upstream.url, listener: { tls: { cert: shortLived.cert, key: shortLived.key, clientCa: pki.caPath } } });
});
afterAll(async () => {
  await sidecar?.close();
  await upstream?.close();
  pki?.cleanup();
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
