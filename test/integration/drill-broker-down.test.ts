// Credential drill: the broker goes down under a steady load. Cached tokens carry on until
// they expire, then the egress sidecar answers 503 token_unavailable without calling the
// upstream; when the broker comes back at the same address, traffic recovers without a
// restart. The failed requests are exactly the token_unavailable ones of the outage.
import { expect, test } from 'vitest';
import { startBroker } from '../helpers/broker.js';
import { SERVER_GRANT, steadyLoad, withChain, type Chain } from '../helpers/chain.js';
import type { TestPki } from '../helpers/pki.js';
import { until } from '../helpers/wait.js';

const GRANTS = [{ ...SERVER_GRANT, lifetime: '3s' }];
let pki: TestPki;
let chain: Chain;

withChain((started) => ({ pki, chain } = started), { broker: { grants: GRANTS } });

test('cached tokens carry on, then token_unavailable, then recovery without a restart', async () => {
  const port = Number(new URL(chain.broker.url).port);
  const load = steadyLoad(() => chain.call('/orders/1'), { workers: 3, maxMs: 60_000 });
  await until('traffic flows', async () => chain.app.received.length >= 10, 30_000, 50);
  await chain.broker.close();
  const okAtOutage = load.result.statuses[200] ?? 0;
  await until('token_unavailable', async () => (load.result.statuses[503] ?? 0) >= 5, 30_000, 50);
  const okBeforeExpiry = (load.result.statuses[200] ?? 0) - okAtOutage;
  const appAtUnavailable = chain.app.received.length;
  const unavailableAt = load.result.statuses[503] ?? 0;
  await until('more refusals', async () => (load.result.statuses[503] ?? 0) >= unavailableAt + 5, 30_000, 50);
  // Refused requests never reached the upstream.
  expect(chain.app.received.length).toBe(appAtUnavailable);

  chain.broker = await startBroker(pki, { grants: GRANTS, config: { listen: { address: '127.0.0.1', port } } });
  const okAtReturn = load.result.statuses[200] ?? 0;
  await until('traffic recovers', async () => (load.result.statuses[200] ?? 0) >= okAtReturn + 10, 30_000, 50);
  const result = await load.stop();
  console.log(`drill broker-down: ${result.sent} requests sent, ${result.failed} failed (${JSON.stringify(result.statuses)}); ${okBeforeExpiry} succeeded on the cached token after the broker went down`);
  expect(Object.keys(result.statuses).sort()).toEqual(['200', '503']);
  expect(result.failed).toBe(result.statuses[503]);
  expect(okBeforeExpiry).toBeGreaterThan(0);
}, 120_000);
