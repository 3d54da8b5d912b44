// A client certificate whose subject holds characters outside ASCII (CN=日本, CN=Müller) is
// forwarded normally: x-forwarded-client-cert stays pure ASCII, with the UTF-8 bytes escaped as
// \XX the way OpenSSL's RFC 2253 output does. (It used to make every request 502.)
import { expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started));

test.each([
  ['日本', '\\E6\\97\\A5\\E6\\9C\\AC'],
  ['Müller', 'M\\C3\\BCller'],
])('CN=%s → 200, subject escaped as %s', async (commonName, escaped) => {
  const cert = await pki.issue(`cn-${escaped.length}`, { uris: [IDS.frontend], commonName });
  const agent = mtlsAgent(pki, cert);
  const response = await call(`${sidecar.url}/api/x`, agent);
  await agent.close();
  expect(response.status).toBe(200);
  const xfcc = upstream.received[upstream.received.length - 1]!.headers['x-forwarded-client-cert'] as string;
  expect(xfcc).toMatch(/^[\x20-\x7e]+$/);
  // Subject is a quoted XFCC value, so each backslash of the \XX escape is itself escaped.
  expect(xfcc).toContain(`Subject="CN=${escaped.replace(/\\/g, '\\\\')}"`);
  expect(xfcc).toContain(`URI=${IDS.frontend}`);
});
