// The authority is covered (@target-uri): a request signed for another host is refused,
// 401 signature_invalid.
import { expect, test } from 'vitest';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test('a request signed for another authority gets 401 signature_invalid', async () => {
  const headers = signRequest(setup, { method: 'GET', authority: 'orders.example.org' });
  const response = await send(setup, { method: 'GET', headers });

  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ reason: 'signature_invalid' });
  expect(setup.upstream.received).toHaveLength(0);
});
