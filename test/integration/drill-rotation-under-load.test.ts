// Credential drill: rotation under load. The broker rotates its signing key every 2 s
// (published 1 s before it signs) and hands out 2 s tokens, which the egress sidecar renews in
// the background, while a steady load runs through the whole chain: 0 failed requests.
import { decodeProtectedHeader } from 'jose';
import { expect, test } from 'vitest';
import { SERVER_GRANT, steadyLoad, withChain, type Chain } from '../helpers/chain.js';
import type { TestPki } from '../helpers/pki.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let chain: Chain;

withChain((started) => ({ pki, chain } = started), {
    broker: { grants: [{ ...SERVER_GRANT, lifetime: '2s' }], config: { keys: { dir: 'broker-keys', rotateEvery: '2s', prepublish: '1s' }, tokens: { maxLifetime: '10s' } } },
    jwks: { cacheMs: 500 },
  });

test('keys rotate and tokens renew under load with no failed request', async () => {
  const load = steadyLoad(() => chain.call('/orders/1'), { workers: 4, maxMs: 60_000 });
  const rotations = () => chain.broker.logs.lines().filter((line) => line['type'] === 'broker_key' && line['event'] === 'rotated').length;
  await until('three key rotations under load', async () => rotations() >= 3, 30_000, 100);
  const result = await load.stop();
  const tokens = new Set(chain.app.received.map((request) => request.headers.authorization));
  const kids = new Set([...tokens].map((header) => decodeProtectedHeader((header as string).slice('Bearer '.length)).kid));
  console.log(`drill rotation-under-load: ${result.sent} requests sent, ${result.failed} failed; ${rotations()} key rotations, ${tokens.size} tokens, ${kids.size} signing keys seen`);
  expect(result.sent).toBeGreaterThan(50);
  expect(result.failed).toBe(0);
  expect(tokens.size).toBeGreaterThanOrEqual(3);
  expect(kids.size).toBeGreaterThanOrEqual(2);
}, 120_000);
