// The algorithm is fixed by the key's configuration (ed25519 here): a signature whose `alg`
// parameter says otherwise is refused, 401 signature_invalid, even though it would verify.
import { expect, test } from 'vitest';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test('an alg parameter that contradicts the key gets 401 signature_invalid', async () => {
  const headers = signRequest(setup, { method: 'GET', alg: 'hmac-sha256' });
  const response = await send(setup, { method: 'GET', headers });
  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ reason: 'signature_invalid' });
  expect(setup.upstream.received).toHaveLength(0);
});

test('the same request with a matching alg passes', async () => {
  const headers = signRequest(setup, { method: 'GET', alg: 'ed25519' });
  expect((await send(setup, { method: 'GET', headers })).status).toBe(200);
});
