// A replay cache too small for its traffic says so: with room for two nonces, a third signed
// request makes it forget the oldest, which /metrics counts (entries, capacity, evictions) so
// the PalisadeReplayCacheEvicting alert can fire; the forgotten request, replayed, is no longer
// recognised, which is exactly why the counter exists.
import { expect, test } from 'vitest';
import { metric } from '../helpers/metrics.js';
import { send, signRequest, withSignedSidecar, type SignedSetup } from '../helpers/signed.js';

let setup: SignedSetup;

withSignedSidecar((started) => (setup = started), { signatures: { replayCacheSize: 2 } });

const labels = { listener: 'app' };

test('the replay cache is exported from startup: no entries, its capacity, no evictions', async () => {
  expect(await metric(setup.sidecar.adminUrl, 'palisade_signature_replay_cache_entries', labels)).toBe(0);
  expect(await metric(setup.sidecar.adminUrl, 'palisade_signature_replay_cache_capacity', labels)).toBe(2);
  expect(await metric(setup.sidecar.adminUrl, 'palisade_signature_replay_cache_evictions_total', labels)).toBe(0);
});

test('a third nonce into a cache of two: the oldest is forgotten and counted', async () => {
  const first = signRequest(setup, { method: 'GET', nonce: 'full-1' });
  for (const nonce of ['full-1', 'full-2', 'full-3']) {
    const headers = nonce === 'full-1' ? first : signRequest(setup, { method: 'GET', nonce });
    expect((await send(setup, { method: 'GET', headers })).status).toBe(200);
  }
  expect(await metric(setup.sidecar.adminUrl, 'palisade_signature_replay_cache_entries', labels)).toBe(2);
  expect(await metric(setup.sidecar.adminUrl, 'palisade_signature_replay_cache_evictions_total', labels)).toBe(1);

  // The newest is still remembered; the forgotten one gets through again.
  const newest = await send(setup, { method: 'GET', headers: signRequest(setup, { method: 'GET', nonce: 'full-3' }) });
  expect(newest.json()).toMatchObject({ reason: 'signature_replayed' });
  expect((await send(setup, { method: 'GET', headers: first })).status).toBe(200);
  expect(await metric(setup.sidecar.adminUrl, 'palisade_signature_replay_cache_evictions_total', labels)).toBe(2);
});
