// The same signed request sent twice: the first passes, the second is a replay, 401
// signature_replayed, with a nonce and without one (then the signature itself is remembered).
import { expect, test } from 'vitest';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test('the same request with a nonce sent twice: 200 then 401 signature_replayed', async () => {
  const headers = signRequest(setup, { body: '{"pay":5}', nonce: 'once-only-1' });
  expect((await send(setup, { headers, body: '{"pay":5}' })).status).toBe(200);
  const again = await send(setup, { headers, body: '{"pay":5}' });
  expect(again.status).toBe(401);
  expect(again.json()).toMatchObject({ reason: 'signature_replayed' });
  expect(setup.upstream.received).toHaveLength(1);
});

test('the same request without a nonce sent twice: 200 then 401 signature_replayed', async () => {
  const headers = signRequest(setup, { method: 'GET' });
  expect((await send(setup, { method: 'GET', headers })).status).toBe(200);
  const again = await send(setup, { method: 'GET', headers });
  expect(again.status).toBe(401);
  expect(again.json()).toMatchObject({ reason: 'signature_replayed' });
});
