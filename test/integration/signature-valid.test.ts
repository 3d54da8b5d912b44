// A request signed per RFC 9421 by the caller's registered key, with a Content-Digest of its
// body, passes through a running sidecar over mTLS: 200, the app receives exactly the signed
// bytes, and the verification is counted under the key's id.
import { expect, test } from 'vitest';
import { metric } from '../helpers/metrics.js';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test('a correctly signed request with a body gets 200 and the app receives the digested bytes', async () => {
  const body = '{"order":7,"qty":2}';
  const headers = signRequest(setup, { body, headers: { 'content-type': 'application/json' }, nonce: 'n-valid-1' });
  const response = await send(setup, { headers, body });

  expect(response.status).toBe(200);
  expect(setup.upstream.received).toHaveLength(1);
  expect(setup.upstream.received[0]!.body.toString('utf8')).toBe(body);
  expect(await metric(setup.sidecar.adminUrl, 'palisade_signature_verifications_total', { listener: 'app', keyid: 'frontend-key', result: 'success', reason: 'none' })).toBe(1);
  // Signatures never reach a log line.
  expect(setup.sidecar.logs.raw()).not.toContain(headers['signature']!.slice(6, 40));
});

test('a correctly signed GET without a body gets 200', async () => {
  const headers = signRequest(setup, { method: 'GET', path: '/api/orders/7?expand=1' });
  const response = await send(setup, { method: 'GET', path: '/api/orders/7?expand=1', headers });
  expect(response.status).toBe(200);
});
