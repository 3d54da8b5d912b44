// In-path drills never touch the caller's own responses: the same requests through a staging
// sidecar with every forgery enabled and through one without drills get byte-identical
// responses (status, headers but Date, body), while the drilled sidecar's app also receives
// the forged copies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type Agent } from 'undici';
import { mtlsAgent } from '../helpers/client.js';
import { metric } from '../helpers/metrics.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import { inStaging } from '../helpers/staging.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import { startUpstream, type Handler, type TestUpstream } from '../helpers/upstream.js';
import { until } from '../helpers/wait.js';

// Echoes what the caller sent (not the Host, which names each sidecar's own port).
const echo: Handler = (req, res, body) => {
  const text = JSON.stringify({ method: req.method, url: req.url, authorization: req.headers.authorization ?? null, requestId: req.headers['x-request-id'], body: body.toString('utf8') });
  res.writeHead(200, { 'content-type': 'application/json', 'x-app': 'echo' }).end(text);
};

let pki: TestPki;
let plainApp: TestUpstream;
let drilledApp: TestUpstream;
let plain: RunningSidecar;
let drilled: RunningSidecar;
let agent: Agent;

// In-path drills run only in staging (restored after the sidecars stopped).
inStaging();

// The scenario is the sidecar without drills; the drilled one, with its own app, shares its PKI.
withScenario((started) => ({ pki, upstream: plainApp, sidecar: plain } = started), {
  app: echo,
  sidecar: { top: { environment: 'staging' } },
});

beforeAll(async () => {
  drilledApp = await startUpstream(echo);
  drilled = await startSidecar(pki, {
    upstreamUrl: drilledApp.url,
    top: { environment: 'staging' },
    listener: { drills: { sampleRate: 1, methods: ['GET', 'PUT'], maxPerMinute: 100 } },
  });
  agent = mtlsAgent(pki, pki.frontend);
});
afterAll(async () => {
  await agent.close();
  await drilled.close();
  await drilledApp.close();
});

async function exchange(base: string, index: number): Promise<string> {
  const response = await request(`${base}/api/items/${index}?q=${index}`, {
    dispatcher: agent,
    method: index % 2 === 0 ? 'GET' : 'PUT',
    headers: { 'x-request-id': `req-${index}`, authorization: `Bearer token-${index}` },
    ...(index % 2 === 0 ? {} : { body: `body-${index}` }),
  });
  const body = await response.body.text();
  const { date: _date, ...headers } = response.headers;
  return JSON.stringify({ status: response.statusCode, headers, body });
}

describe('in-path drills and the caller', () => {
  it('leave the caller responses byte-identical', async () => {
    for (let i = 0; i < 6; i += 1) {
      expect(await exchange(drilled.url, i)).toBe(await exchange(plain.url, i));
    }
    // The drilled app got copies of all six: replay and strip_token of the three GETs, and
    // replay, strip_token and tamper_body of the three PUTs, whose small bodies were read whole
    // before the app connection was taken (upstream.bufferBodyBytes), so the sidecar holds them.
    await until('fifteen copies judged', async () => (await metric(drilled.adminUrl, 'palisade_drill_results_total', {})) === 15);
    expect(plainApp.received).toHaveLength(6);
    expect(drilledApp.received).toHaveLength(21);
  });
});
