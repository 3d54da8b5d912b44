// In-path drill, inbound: a staging sidecar in front of an app without replay protection. After
// the genuine request's response, the sidecar sends the app the forwarded request again
// verbatim; the app accepts it, and palisade_drill_results_total says replay is vulnerable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from 'undici';
import { call, mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import { inStaging } from '../helpers/staging.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let agent: Agent;

// In-path drills run only in staging (restored after the sidecars stopped).
inStaging();

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: {
    top: { environment: 'staging' },
    listener: { drills: { sampleRate: 1, methods: ['GET'], forgeries: ['replay', 'strip_token'] } },
  },
});

beforeAll(() => {
  agent = mtlsAgent(pki, pki.frontend);
});
afterAll(async () => {
  await agent.close();
});

describe('in-path drill: replay against an app without replay protection', () => {
  it('reports replay vulnerable', async () => {
    const response = await call(`${sidecar.url}/api/orders/7`, agent);
    expect(response.status).toBe(200);
    const vulnerable = { scenario: 'replay', target: 'app', outcome: 'vulnerable' };
    await until('the replay copy is judged', async () => (await metric(sidecar.adminUrl, 'palisade_drill_results_total', vulnerable)) === 1);
    // The copy is the forwarded request, byte for byte in its headers.
    expect(upstream.received).toHaveLength(2);
    expect(upstream.received[1]?.rawHeaders).toEqual(upstream.received[0]?.rawHeaders);
    expect(upstream.received[1]?.url).toBe('/api/orders/7');
    // strip_token does not apply: the request carried no token, so no copy was sent for it.
    expect(await metric(sidecar.adminUrl, 'palisade_drill_results_total', { scenario: 'strip_token' })).toBe(0);
    const audit = sidecar.logs.lines().filter((line) => line['type'] === 'drill_attempt');
    expect(audit).toEqual([expect.objectContaining({ family: 'in_path', listener: 'app', scenario: 'replay', target: 'app', outcome: 'vulnerable' })]);
  });

  it('never copies a method the config does not list', async () => {
    const before = upstream.received.length;
    const response = await call(`${sidecar.url}/api/orders`, agent, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    const again = await call(`${sidecar.url}/api/orders/8`, agent);
    expect(again.status).toBe(200);
    // The GET after it gets its copy; the POST none: POST, GET, GET-copy.
    await until('the GET copy arrives', async () => upstream.received.length === before + 3);
    expect(upstream.received.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual(['POST /api/orders', 'GET /api/orders/8', 'GET /api/orders/8']);
  });
});
