// A keyid that is not in the registry → 401 unknown_key; the metric labels it `unknown`, so
// a peer cannot mint label values.
import { expect, test } from 'vitest';
import { metric } from '../helpers/metrics.js';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started));

test('an unknown keyid gets 401 unknown_key, counted as keyid="unknown"', async () => {
  const headers = signRequest(setup, { method: 'GET', key: setup.strayKey });
  const response = await send(setup, { method: 'GET', headers });
  expect(response.status).toBe(401);
  expect(response.json()).toMatchObject({ reason: 'unknown_key' });
  expect(await metric(setup.sidecar.adminUrl, 'palisade_signature_verifications_total', { keyid: 'unknown', result: 'failure', reason: 'unknown_key' })).toBe(1);
  expect(await metric(setup.sidecar.adminUrl, 'palisade_signature_verifications_total', { keyid: 'stray-key' })).toBe(0);
});
