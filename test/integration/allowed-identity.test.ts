// An allowed SPIFFE identity gets through to the app over real mTLS, and the app sees the
// verified identity in x-forwarded-client-cert.
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started));

test('allowed identity reaches the app with 200 and its verified identity', async () => {
  const agent = mtlsAgent(pki, pki.frontend);
  const response = await call(`${sidecar.url}/api/orders?id=7`, agent);
  await agent.close();

  expect(response.status).toBe(200);
  expect(upstream.received).toHaveLength(1);
  const seen = upstream.received[0]!;
  expect(seen.url).toBe('/api/orders?id=7');
  expect(seen.headers['x-forwarded-client-cert']).toContain(`URI=${IDS.frontend}`);
  expect(seen.headers['x-forwarded-client-cert']).toContain(`By=${IDS.server}`);
  expect(seen.headers['x-forwarded-proto']).toBe('https');
  expect(response.headers['x-request-id'] ?? seen.headers['x-request-id']).toBeTruthy();

  expect(await metric(sidecar.adminUrl, 'palisade_requests_total', { listener: 'app', route: 'api', decision: 'allow', reason: 'none' })).toBe(1);
  expect(await metric(sidecar.adminUrl, 'palisade_tls_handshakes_total', { listener: 'app', result: 'success', version: 'TLSv1.3' })).toBe(1);
  const audit = sidecar.logs.requests();
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({ peer: IDS.frontend, route: 'api', decision: 'allow', status: 200, path: '/api/orders' });
});

test('the peer certificate expiry is exported under its configured identity', async () => {
  const seconds = await metric(sidecar.adminUrl, 'palisade_peer_certificate_expiry_seconds', { listener: 'app', identity: IDS.frontend });
  const expected = (new Date(pki.frontend.issued.cert.notAfter).getTime() - Date.now()) / 1000;
  expect(Math.abs(seconds - expected)).toBeLessThan(60);
});
