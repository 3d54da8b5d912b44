// Every PromQL expression in the shipped Grafana dashboard (deploy/grafana/palisade.json) is
// valid for the real promtool (each placed in a temporary rules file: `promtool check rules`),
// and each returns data (finite values) from a real Prometheus scraping a real sidecar after a
// little traffic: allowed and denied requests, valid and invalid tokens, an unsigned request on a
// signed route, and a handshake without a client certificate.
import { generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { call, mtlsAgent, tryHandshake } from '../helpers/client.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { hasPrometheus, hasPromtool, startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { bearer, issuerKey, jwks, mint, tokensConfig, type IssuerKey } from '../helpers/tokens.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

// CI must have prometheus and promtool (.ci/run installs them); a dev machine without them skips.
const skip = !(hasPrometheus && hasPromtool) && !process.env['CI'];

interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  templating: { list: Array<{ name: string; query: unknown }> };
}
const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/palisade.json', import.meta.url), 'utf8')) as Dashboard;

/** Grafana's variables as a user who picks "All" would get them. */
function substitute(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', '.*').replaceAll('$instance', '.*');
}
const expressions = dashboard.panels.flatMap((panel) => panel.targets.map((target, index) => ({ name: `${panel.title} [${index}]`, expr: substitute(target.expr) })));

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let prometheus: RunningPrometheus | undefined;
/** Allowed and denied requests, good and bad tokens, an unsigned request, a handshake without a certificate. */
let traffic: () => Promise<void>;
let key: IssuerKey;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    key = await issuerKey('k1');
    const signer = generateKeyPairSync('ed25519');
    pki.write('frontend-key.pub.pem', signer.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    return {
      routes: [
        { name: 'orders', methods: ['GET'], path: '/orders/**', allow: [IDS.frontend], scopes: { allOf: ['orders:read'] } },
        { name: 'signed', path: '/signed/**', allow: [IDS.frontend], token: false, signature: {} },
      ],
      listener: {
        tokens: tokensConfig(pki.write('jwks.json', jwks(key))),
        signatures: { keys: [{ keyid: 'frontend-key', algorithm: 'ed25519', identity: IDS.frontend, key: 'frontend-key.pub.pem' }] },
      },
    };
  },
});

beforeAll(async () => {
  traffic = async () => {
    const frontend = mtlsAgent(pki, pki.frontend);
    const good = await mint(key, { sub: 'frontend-client', scope: 'orders:read' });
    for (let i = 0; i < 3; i += 1) expect((await call(`${sidecar.url}/orders/${i}`, frontend, { headers: bearer(good) })).status).toBe(200);
    expect((await call(`${sidecar.url}/orders/1`, frontend, { headers: bearer('not-a-token') })).status).toBe(401);
    expect((await call(`${sidecar.url}/signed/1`, frontend)).status).toBe(401);
    await frontend.close();
    const intruder = mtlsAgent(pki, pki.intruder);
    expect((await call(`${sidecar.url}/orders/1`, intruder, { headers: bearer(good) })).status).toBe(403);
    await intruder.close();
    expect((await tryHandshake(sidecar.port, { ca: pki.ca.certPem })).ok).toBe(false);
  };
});

afterAll(async () => {
  await prometheus?.close();
});

test('the dashboard covers what operators look at', () => {
  const titles = dashboard.panels.map((panel) => panel.title).join('\n');
  for (const topic of ['decision', 'reason', 'latency', 'handshake', 'certificate', 'Peer', 'Token', 'Signature', 'reload']) expect(titles).toMatch(new RegExp(topic, 'i'));
  expect(expressions.length).toBeGreaterThan(10);
});

test.skipIf(skip)('promtool check rules accepts every dashboard expression', () => {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-dashboard-'));
  try {
    const file = join(dir, 'dashboard-rules.yaml');
    const variableQueries = dashboard.templating.list.flatMap((variable) => {
      const query = (variable.query as { query?: string } | undefined)?.query;
      // label_values(SELECTOR, label) is Grafana's; the selector inside must be valid PromQL.
      const selector = query?.match(/^label_values\((.+), \w+\)$/)?.[1];
      return selector ? [substitute(selector)] : [];
    });
    expect(variableQueries.length).toBe(2);
    const all = [...expressions.map((e) => e.expr), ...variableQueries];
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: all.map((expr, i) => ({ record: `dashboard:expr_${i}`, expr })) }] }));
    const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toContain(`SUCCESS: ${all.length} rules found`);
    expect(result.status).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.skipIf(skip)('every dashboard expression returns data from a real Prometheus scraping the sidecar', async () => {
  prometheus = await startPrometheus([`127.0.0.1:${sidecar.adminPort}`]);
  // Traffic after the first scrape, so rates and quantiles have a before and an after.
  const until = Date.now() + 20_000;
  while (Date.now() < until && ((await prometheus.query('up{job="palisade"} == 1'))?.result.length ?? 0) === 0) await sleep(200);
  // Twice, a few scrapes apart: histogram series are born at their first observation, so the
  // second round is what gives the latency quantiles a rate.
  await traffic();
  await sleep(2_500);
  await traffic();

  const missing = new Map(expressions.map((e) => [e.name, e.expr]));
  const deadline = Date.now() + 20_000;
  while (missing.size > 0 && Date.now() < deadline) {
    for (const [name, expr] of missing) {
      const answer = await prometheus.query(expr);
      if (answer?.status === 'error') throw new Error(`${name}: ${answer.error}`);
      if (answer && answer.result.some((sample) => Number.isFinite(Number(sample.value[1])))) missing.delete(name);
    }
    if (missing.size > 0) await sleep(500);
  }
  expect([...missing.keys()], `no data for:\n${[...missing.values()].join('\n')}\n${prometheus.log()}`).toEqual([]);
});

