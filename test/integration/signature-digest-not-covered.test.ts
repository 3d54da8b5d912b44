// With a body, content-digest must be covered: a signature over @method and @target-uri only
// → 401 signature_components_missing (the body could be swapped freely).
import { expect, test } from 'vitest';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test('a body whose content-digest is not covered gets 401 signature_components_missing', async () => {
  const body = '{"x":1}';
  const headers = signRequest(setup, { body, components: ['@method', '@target-uri'] });
  const response = await send(setup, { headers, body });
  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ reason: 'signature_components_missing' });
  expect(setup.upstream.received).toHaveLength(0);
});
