// In-path drill, egress: a staging sidecar signs the app's calls (RFC 9421) and sends them to a
// Palisade inbound listener that verifies signatures with a replay cache. The forged copies the
// egress listener sends afterwards over the same verified mTLS pool (the replayed request, a
// tampered body, the signature stripped) are all refused: resisted.
import { generateKeyPairSync } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigObject } from '../../src/config/load.js';
import { Sidecar } from '../../src/sidecar.js';
import { egressConfig, egressUpstream } from '../helpers/egress.js';
import { LogCapture } from '../helpers/logs.js';
import { metric } from '../helpers/metrics.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import { inStaging } from '../helpers/staging.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let app: TestUpstream;
let inbound: RunningSidecar;
let egress: Sidecar;
let egressUrl: string;
let adminUrl: string;

// In-path drills run only in staging (restored after the sidecars stopped).
inStaging();

withScenario((started) => ({ pki, upstream: app, sidecar: inbound } = started), {
  sidecar: ({ pki }) => {
    const pair = generateKeyPairSync('ed25519');
    pki.write('service-sign.pem', pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    pki.write('service-key.pub.pem', pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    return {
      routes: [{ name: 'orders', methods: ['GET', 'POST'], path: '/api/**', allow: [IDS.server], signature: {} }],
      listener: { signatures: { keys: [{ keyid: 'service-key', algorithm: 'ed25519', identity: IDS.server, key: 'service-key.pub.pem' }], maxAgeMs: 60_000 } },
    };
  },
});

beforeAll(async () => {
  const config = egressConfig(pki, [egressUpstream(pki, 'orders', inbound.url, { identity: { spiffeId: IDS.server } })]) as Record<string, unknown> & { egress: Array<Record<string, unknown>> };
  config['environment'] = 'staging';
  config.egress[0]!['signing'] = { keyid: 'service-key', algorithm: 'ed25519', key: 'service-sign.pem' };
  config.egress[0]!['drills'] = { sampleRate: 1, methods: ['POST'], forgeries: ['replay', 'tamper_body', 'strip_signature', 'strip_token'], maxPerMinute: 10 };
  const loaded = loadConfigObject(config, pki.dir);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  egress = new Sidecar(loaded.value, { logDestination: new LogCapture() });
  const addresses = await egress.start();
  egressUrl = `http://127.0.0.1:${addresses.egress['out']!.port}`;
  adminUrl = `http://127.0.0.1:${addresses.admin.port}`;
});
afterAll(async () => {
  await egress?.close();
});

describe('in-path drill: egress copies against a Palisade inbound listener', () => {
  it('reports replay, tamper_body and strip_signature resisted', async () => {
    const response = await request(`${egressUrl}/api/orders`, { method: 'POST', headers: { host: 'orders', 'content-type': 'application/json' }, body: '{"item":"tea"}' });
    expect(response.statusCode).toBe(200);
    await response.body.text();
    const resisted = (scenario: string) => metric(adminUrl, 'palisade_drill_results_total', { scenario, target: 'orders', outcome: 'resisted' });
    await until('three copies judged', async () => (await resisted('replay')) + (await resisted('tamper_body')) + (await resisted('strip_signature')) === 3);
    expect(await metric(adminUrl, 'palisade_drill_results_total', { outcome: 'vulnerable' })).toBe(0);
    // strip_token: the app sent no token, so nothing to strip and no copy.
    expect(await metric(adminUrl, 'palisade_drill_results_total', { scenario: 'strip_token' })).toBe(0);
    // Only the genuine request reached the app behind the inbound listener, which names each refusal.
    expect(app.received).toHaveLength(1);
    const reasons = inbound.logs.requests().map((line) => line['reason']);
    expect(reasons).toEqual(['none', 'signature_replayed', 'digest_mismatch', 'signature_missing']);
  });
});
