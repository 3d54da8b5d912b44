// A signed body above signatures.maxBodyBytes is refused before it is buffered: 413
// body_too_large, and the connection is closed (the rest of the body is never read).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { send, signRequest, startSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

beforeAll(async () => {
  setup = await startSignedSidecar({ signatures: { maxBodyBytes: 64 } });
});

afterAll(async () => {
  await setup?.close();
});

test('a body above the limit gets 413 body_too_large', async () => {
  const body = 'x'.repeat(200);
  const headers = signRequest(setup, { body });
  const response = await send(setup, { headers, body });
  expect(response.status).toBe(413);
  expect(response.json()).toMatchObject({ reason: 'body_too_large' });
  expect(response.headers['connection']).toBe('close');
  expect(setup.upstream.received).toHaveLength(0);
});
