// `expires` is honoured: a signature past its expires (beyond the skew) → 401 signature_expired.
import { expect, test } from 'vitest';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test('an expired signature gets 401 signature_expired', async () => {
  const now = Math.floor(Date.now() / 1000);
  const headers = signRequest(setup, { method: 'GET', created: now - 30, expires: now - 20 });
  const response = await send(setup, { method: 'GET', headers });
  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ reason: 'signature_expired' });
  expect(setup.upstream.received).toHaveLength(0);
});
