// The method is covered (@method): a request signed as GET and sent as PUT is refused, 401 signature_invalid.
import { expect, test } from 'vitest';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test('a method changed in transit gets 401 signature_invalid', async () => {
  const headers = signRequest(setup, { method: 'GET' });
  const response = await send(setup, { method: 'PUT', headers });

  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ reason: 'signature_invalid' });
  expect(setup.upstream.received).toHaveLength(0);
});
