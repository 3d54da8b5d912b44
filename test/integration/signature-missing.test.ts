// A route that requires a signature refuses a request without one: 401 signature_missing,
// with Accept-Signature (RFC 9421 §5.1) naming the components expected.
import { expect, test } from 'vitest';
import { metric } from '../helpers/metrics.js';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test('a request with the signature dropped gets 401 signature_missing and Accept-Signature', async () => {
  const headers = signRequest(setup, { body: '{"a":1}' });
  delete headers['signature'];
  delete headers['signature-input'];
  const response = await send(setup, { headers, body: '{"a":1}' });

  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ error: 'unauthorized', reason: 'signature_missing' });
  expect(response.headers['accept-signature']).toBe('sig1=("@method" "@target-uri" "content-digest");created');
  expect(setup.upstream.received).toHaveLength(0);
  expect(await metric(setup.sidecar.adminUrl, 'palisade_signature_verifications_total', { keyid: 'none', result: 'failure', reason: 'signature_missing' })).toBe(1);
});

test('only the Signature field dropped (Signature-Input kept) gets 401 signature_invalid', async () => {
  const headers = signRequest(setup, { method: 'GET' });
  delete headers['signature'];
  const response = await send(setup, { method: 'GET', headers });
  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ reason: 'signature_invalid' });
});
