// The authority is covered (@target-uri): a request signed for another host is refused,
// 401 signature_invalid.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { send, signRequest, startSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

beforeAll(async () => {
  setup = await startSignedSidecar();
});

afterAll(async () => {
  await setup?.close();
});

test('a request signed for another authority gets 401 signature_invalid', async () => {
  const headers = signRequest(setup, { method: 'GET', authority: 'orders.example.org' });
  const response = await send(setup, { method: 'GET', headers });

  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ reason: 'signature_invalid' });
  expect(setup.upstream.received).toHaveLength(0);
});
