// `created` must be within max age (60 s here) and clock skew (5 s): too old or in the future
// → 401 signature_expired.
import { expect, test } from 'vitest';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test('created too old gets 401 signature_expired', async () => {
  const headers = signRequest(setup, { method: 'GET', created: Math.floor(Date.now() / 1000) - 120 });
  const response = await send(setup, { method: 'GET', headers });
  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ reason: 'signature_expired' });
});

test('created in the future gets 401 signature_expired', async () => {
  const headers = signRequest(setup, { method: 'GET', created: Math.floor(Date.now() / 1000) + 120 });
  const response = await send(setup, { method: 'GET', headers });
  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ reason: 'signature_expired' });
  expect(setup.upstream.received).toHaveLength(0);
});
