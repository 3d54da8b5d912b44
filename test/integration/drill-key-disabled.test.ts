// Credential drill: a key is disabled (compromised). Under a steady load of idempotent
// requests, the broker's current key is removed from its JWKS: within one JWKS refresh the
// inbound sidecar refuses tokens signed by it (401 invalid_token), the egress sidecar forces a
// refresh, gets a token signed by the new key, and retries: goal 0 failed requests.
import { decodeProtectedHeader } from 'jose';
import { expect, test } from 'vitest';
import { steadyLoad, withChain, type Chain } from '../helpers/chain.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let chain: Chain;

withChain((started) => ({ pki, chain } = started), { jwks: { cacheMs: 500 } });

const kidOf = (header: string | string[] | undefined) => decodeProtectedHeader(String(header).slice('Bearer '.length)).kid as string;

test('the inbound sidecar drops the disabled key within one JWKS refresh and the egress sidecar recovers by itself', async () => {
  const load = steadyLoad(() => chain.call('/orders/1'), { workers: 4, maxMs: 60_000 });
  await until('traffic flows', async () => chain.app.received.length >= 20, 30_000, 50);
  const compromised = kidOf(chain.app.received[0]?.headers.authorization);
  await chain.broker.broker.disableKey(compromised, 'drill');
  const disabledAt = chain.app.received.length;
  await until('requests with a token from the new key reach the app', async () => chain.app.received.slice(disabledAt).some((request) => kidOf(request.headers.authorization) !== compromised), 30_000, 50);
  const seenAfter = chain.app.received.length;
  await until('more traffic after the switch', async () => chain.app.received.length >= seenAfter + 20, 30_000, 50);
  const result = await load.stop();
  const refusals = await metric(chain.inbound.adminUrl, 'palisade_token_verifications_total', { result: 'failure', reason: 'token_invalid' });
  console.log(`drill key-disabled: ${result.sent} requests sent, ${result.failed} failed; inbound refused ${refusals} request(s) carrying the disabled key's token (each retried by egress)`);
  expect(refusals).toBeGreaterThanOrEqual(1);
  expect(result.failed).toBe(0);
  // Nothing signed by the disabled key got through after the switch.
  const last = chain.app.received.slice(-20).map((request) => kidOf(request.headers.authorization));
  expect(last.every((kid) => kid !== compromised)).toBe(true);
  expect(chain.broker.logs.lines().filter((line) => line['type'] === 'broker_grant').length).toBe(2);
}, 120_000);
