// No secret reaches the log: tokens, signatures, cookies and query strings planted in requests
// (allowed, denied and refused ones) never appear in any log line.
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import type { TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

const SECRETS = {
  token: 'eyJhbGciOiJFUzI1NiJ9.PLANTED-TOKEN-7f3a.sig',
  cookie: 'session=PLANTED-COOKIE-91c2',
  signature: 'sig1=:PLANTEDSIGNATURE4b8e:',
  signatureInput: 'sig1=("@method");keyid="PLANTED-KEYID-input"',
  apiKey: 'PLANTED-API-KEY-55d0',
  query: 'PLANTED-QUERY-SECRET-0a9b',
};

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  // Debug level: the most the sidecar ever logs.
  sidecar: { top: { log: { level: 'debug' } } },
});

test('planted secrets never appear in the log output', async () => {
  const headers = {
    authorization: `Bearer ${SECRETS.token}`,
    cookie: SECRETS.cookie,
    signature: SECRETS.signature,
    'signature-input': SECRETS.signatureInput,
    'x-api-key': SECRETS.apiKey,
  };
  const allowed = mtlsAgent(pki, pki.frontend);
  const denied = mtlsAgent(pki, pki.intruder);
  expect((await call(`${sidecar.url}/api/x?access_token=${SECRETS.query}`, allowed, { headers })).status).toBe(200);
  expect((await call(`${sidecar.url}/api/x?access_token=${SECRETS.query}`, denied, { headers })).status).toBe(403);
  expect((await call(`${sidecar.url}/api%2fx?access_token=${SECRETS.query}`, allowed, { headers })).status).toBe(400);
  await allowed.close();
  await denied.close();

  // The app does receive them: the sidecar forwards, it just never logs them.
  expect(upstream.received[0]!.headers.authorization).toBe(`Bearer ${SECRETS.token}`);

  const output = sidecar.logs.raw();
  expect(sidecar.logs.requests()).toHaveLength(3);
  for (const [name, secret] of Object.entries(SECRETS)) {
    expect(output, name).not.toContain(secret);
    expect(output, name).not.toContain(secret.slice(8, 24));
  }
  expect(output).not.toMatch(/PLANTED/);
});
