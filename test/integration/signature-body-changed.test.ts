// A body changed after signing (same length, so only the digest can tell) is refused:
// 401 digest_mismatch, and the app never sees it.
import { expect, test } from 'vitest';
import { metric } from '../helpers/metrics.js';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test('a body changed in transit, same length, gets 401 digest_mismatch', async () => {
  const headers = signRequest(setup, { body: '{"amount":100}' });
  const response = await send(setup, { headers, body: '{"amount":900}' });

  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ error: 'unauthorized', reason: 'digest_mismatch' });
  expect(setup.upstream.received).toHaveLength(0);
  expect(await metric(setup.sidecar.adminUrl, 'palisade_signature_verifications_total', { keyid: 'frontend-key', result: 'failure', reason: 'digest_mismatch' })).toBe(1);
});
