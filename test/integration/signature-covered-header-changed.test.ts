// A header the signature covers, changed after signing, breaks the signature: 401 signature_invalid.
import { expect, test } from 'vitest';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test('a covered header changed in transit gets 401 signature_invalid', async () => {
  const headers = signRequest(setup, { method: 'GET', components: ['@method', '@target-uri', 'x-tenant'], headers: { 'x-tenant': 'blue' } });
  const response = await send(setup, { method: 'GET', headers: { ...headers, 'x-tenant': 'red' } });

  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ reason: 'signature_invalid' });
  expect(setup.upstream.received).toHaveLength(0);
});
