// A valid signature made with a registered key that belongs to another identity is refused:
// the frontend peer presenting the intruder's key → 401 key_identity_mismatch.
import { expect, test } from 'vitest';
import { metric } from '../helpers/metrics.js';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test("a signature by another identity's key gets 401 key_identity_mismatch", async () => {
  const headers = signRequest(setup, { method: 'GET', key: setup.intruderKey });
  const response = await send(setup, { method: 'GET', headers });
  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ reason: 'key_identity_mismatch' });
  expect(setup.upstream.received).toHaveLength(0);
  expect(await metric(setup.sidecar.adminUrl, 'palisade_signature_verifications_total', { keyid: 'intruder-key', result: 'failure', reason: 'key_identity_mismatch' })).toBe(1);
});
