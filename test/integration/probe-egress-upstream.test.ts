// `egress[].upstreams[].probe` probes the upstream with the upstream's own settings: its trust
// bundle, its pinned SPIFFE ID and the service's certificate as the mTLS baseline. A real mTLS
// upstream that requires the service's certificate comes out clean; its metrics carry the
// target label LISTENER/UPSTREAM.
import { request } from 'undici';
import { beforeAll, expect, test } from 'vitest';
import type { ProbeReport } from '../../src/probe/types.js';
import { ORDERS_ID, egressUpstream, type RunningEgress } from '../helpers/egress.js';
import { sample, scrape } from '../helpers/metrics.js';
import type { CertFiles, TestPki } from '../helpers/pki.js';
import { withEgressScenario } from '../helpers/scenario.js';
import type { TlsUpstream } from '../helpers/tls-upstream.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let orders: CertFiles;
let upstream: TlsUpstream;
let egress: RunningEgress;
let report: ProbeReport | undefined;

withEgressScenario((started) => ({ pki, upstream, sidecar: egress } = started), {
  serve: async (pki) => {
    orders = await pki.issue('orders', { uris: [ORDERS_ID], dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], extendedKeyUsages: ['serverAuth'] });
    return orders;
  },
  upstreams: ({ pki, upstream }) => [egressUpstream(pki, 'orders', upstream.url, { probe: { intervalMs: 60_000, checks: ['protocols', 'certificate', 'mtls'] } })],
  hookTimeoutMs: 60_000,
});

beforeAll(async () => {
  for (let tries = 0; tries < 300 && !report; tries += 1) {
    const response = await request(`${egress.adminUrl}/probes`);
    report = ((await response.body.json()) as Record<string, ProbeReport>)['out/orders'];
    if (!report) await sleep(100);
  }
}, 60_000);

test('the upstream is probed with its own trust bundle, identity and client certificate', () => {
  expect(report?.target).toBe(`127.0.0.1:${upstream.port}`);
  expect(report?.reachable).toBe(true);
  expect(report?.certificate?.spiffeIds).toEqual([ORDERS_ID]);
  expect(report?.checks.certificate?.facts['verification']).toBe('ok');
  expect(report?.findings.map((finding) => finding.id)).not.toContain('identity_mismatch');
  expect(String(report?.checks.mtls?.facts['baseline'])).toMatch(/^accepted: HTTP 200/);
  expect(report?.checks.mtls?.findings).toEqual([]);
  expect(Object.keys(report?.checks ?? {}).sort()).toEqual(['certificate', 'mtls', 'protocols']);
});

test('metrics carry target="out/orders"', async () => {
  const text = await scrape(egress.adminUrl);
  expect(sample(text, 'palisade_probe_up', { target: 'out/orders' })).toBe(1);
  expect(sample(text, 'palisade_probe_findings', { target: 'out/orders', check: 'mtls', severity: 'critical' })).toBe(0);
  expect(text).not.toContain('palisade_probe_findings{target="out/orders",check="ciphers"');
});
