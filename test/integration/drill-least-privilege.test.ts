// Credential drill: least privilege fails fast. The broker's grant holds a scope (orders:admin)
// that no route of the audience requires. The inbound sidecar (tokens.leastPrivilege: deny)
// refuses every call with 403 token_overprivileged, `palisade audit` over the run's logs exits
// 1 naming the excess scope, and the broker's --check-least-privilege check reports it.
import { expect, test } from 'vitest';
import { grantFindings } from '../../src/broker/least-privilege.js';
import { BROKER_ISSUER } from '../helpers/broker.js';
import { CHAIN_ROUTES, SERVER_GRANT, steadyLoad, withChain, type Chain } from '../helpers/chain.js';
import { runCli } from '../helpers/cli.js';
import { ORDERS_ID } from '../helpers/egress.js';
import type { TestPki } from '../helpers/pki.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let chain: Chain;

withChain((started) => ({ pki, chain } = started), {
    broker: { grants: [{ ...SERVER_GRANT, scopes: ['orders:read', 'orders:admin'] }] },
    egressToken: { scope: 'orders:read orders:admin' },
    tokens: { leastPrivilege: 'deny' },
  });

test('an over-broad grant fails the run at the sidecar, in the audit and at the broker check', async () => {
  const load = steadyLoad(() => chain.call('/orders/1'), { workers: 2, maxMs: 60_000 });
  await until('refusals', async () => load.result.sent >= 20, 30_000, 50);
  const result = await load.stop();
  console.log(`drill least-privilege: ${result.sent} requests sent, ${result.failed} failed (${JSON.stringify(result.statuses)}), all refused before the app`);
  expect(result.failed).toBe(result.sent);
  expect(Object.keys(result.statuses)).toEqual(['403']);
  expect(chain.app.received).toHaveLength(0);
  const denial = chain.inbound.logs.requests().find((line) => line['reason'] === 'token_overprivileged') as { reasons: Array<{ detail: string }> };
  expect(denial.reasons.some((reason) => reason.detail.includes('orders:admin'))).toBe(true);

  const files = chain.writeLogs(pki.dir);
  const audit = await runCli(['audit', '--broker-log', files.broker, '--sidecar-log', files.sidecar], { timeoutMs: 90_000 });
  expect(audit.code).toBe(1);
  expect(audit.stdout).toMatch(/VIOLATION \[least_privilege\] grant server-orders handed out scopes no request required: orders:admin/);

  // The broker's startup check against the audience's config says the same before any traffic.
  const audienceConfig = { inbound: [{ name: 'app', port: 0, tls: { cert: 'c', key: 'k', clientCa: 'ca' }, upstream: { url: 'http://127.0.0.1:1' }, tokens: { issuers: [{ name: 'broker', issuer: BROKER_ISSUER, audiences: [ORDERS_ID], jwks: 'j' }] }, routes: CHAIN_ROUTES }] };
  expect(grantFindings(chain.broker.broker.currentGrants, BROKER_ISSUER, audienceConfig)).toEqual([{ grant: 'server-orders', excess: ['orders:admin'] }]);
}, 120_000);
