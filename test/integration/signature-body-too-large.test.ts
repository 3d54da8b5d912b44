// A signed body above signatures.maxBodyBytes is refused before it is buffered: 413
// body_too_large, and the connection is closed (the rest of the body is never read).
import { expect, test } from 'vitest';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started), { signatures: { maxBodyBytes: 64 } });

test('a body above the limit gets 413 body_too_large', async () => {
  const body = 'x'.repeat(200);
  const headers = signRequest(setup, { body });
  const response = await send(setup, { headers, body });
  expect(response.status).toBe(413);
  expect(response.json()).toMatchObject({ reason: 'body_too_large' });
  expect(response.headers['connection']).toBe('close');
  expect(setup.upstream.received).toHaveLength(0);
});
