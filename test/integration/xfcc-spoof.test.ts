// A peer cannot forge the headers the sidecar owns: any x-forwarded-client-cert it sends (one
// copy, two copies, any casing) is removed and the app sees exactly one, the sidecar's, naming
// the verified identity. A malformed x-request-id is replaced; a well-formed one is kept.
import { expect, test } from 'vitest';
import { request } from 'undici';
import { mtlsAgent } from '../helpers/client.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { ReceivedRequest, TestUpstream } from '../helpers/upstream.js';

const SPOOFED = 'By=spiffe://evil;URI=spiffe://test.palisade.local/ns/ops/sa/admin';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started));

/** Send `headers` (a flat [name, value, ...] list, so duplicates and casing are kept) and return what the app saw. */
async function send(headers: string[]): Promise<ReceivedRequest> {
  const before = upstream.received.length;
  const agent = mtlsAgent(pki, pki.frontend);
  const response = await request(`${sidecar.url}/api/whoami`, { dispatcher: agent, headers });
  await response.body.text();
  await agent.close();
  expect(response.statusCode).toBe(200);
  expect(upstream.received).toHaveLength(before + 1);
  return upstream.received[before]!;
}

function all(seen: ReceivedRequest, name: string): string[] {
  return seen.rawHeaders.filter((_, i) => i % 2 === 1 && (seen.rawHeaders[i - 1] as string).toLowerCase() === name);
}

test.each([
  ['one forged copy', ['x-forwarded-client-cert', SPOOFED]],
  ['two forged copies', ['x-forwarded-client-cert', SPOOFED, 'x-forwarded-client-cert', `URI=${IDS.intruder}`]],
  ['different casing', ['X-Forwarded-Client-Cert', SPOOFED]],
  ['mixed casings', ['X-FORWARDED-CLIENT-CERT', SPOOFED, 'x-forwarded-client-cert', SPOOFED]],
])('%s of x-forwarded-client-cert is replaced by the sidecar’s own', async (_name, headers) => {
  const seen = await send(headers);
  const xfcc = all(seen, 'x-forwarded-client-cert');
  expect(xfcc).toHaveLength(1);
  expect(xfcc[0]).toContain(`By=${IDS.server};`);
  expect(xfcc[0]).toContain(`;URI=${IDS.frontend}`);
  expect(xfcc[0]).not.toContain('evil');
  expect(xfcc[0]).not.toContain('/sa/admin');
  expect(xfcc[0]).not.toContain(IDS.intruder);
});

test('a forged x-forwarded-proto is replaced', async () => {
  const seen = await send(['X-Forwarded-Proto', 'http']);
  expect(all(seen, 'x-forwarded-proto')).toEqual(['https']);
});

test('a well-formed x-request-id is kept, so traces join up', async () => {
  const id = 'trace-01HZX.abc:42_ok';
  const seen = await send(['x-request-id', id]);
  expect(all(seen, 'x-request-id')).toEqual([id]);
  expect(sidecar.logs.requests().at(-1)).toMatchObject({ request_id: id });
});

test.each([
  ['spaces', 'abc def'],
  ['XFCC separators', 'id;URI=spiffe://evil'],
  ['more than 128 characters', 'a'.repeat(129)],
  ['non-ASCII', 'trace-é'],
])('an x-request-id with %s is replaced by a generated one', async (_name, value) => {
  const seen = await send(['x-request-id', value]);
  const ids = all(seen, 'x-request-id');
  expect(ids).toHaveLength(1);
  expect(ids[0]).not.toBe(value);
  expect(ids[0]).toMatch(UUID);
  expect(sidecar.logs.requests().at(-1)).toMatchObject({ request_id: ids[0] });
});

test('two x-request-id headers are refused (400 malformed_request): the id must be single', async () => {
  const before = upstream.received.length;
  const agent = mtlsAgent(pki, pki.frontend);
  const response = await request(`${sidecar.url}/api/whoami`, { dispatcher: agent, headers: ['x-request-id', 'first', 'X-Request-Id', 'second'] });
  const body = JSON.parse(await response.body.text()) as { reason: string; request_id: string };
  await agent.close();
  expect(response.statusCode).toBe(400);
  expect(body.reason).toBe('malformed_request');
  expect(body.request_id).toMatch(UUID);
  expect(upstream.received).toHaveLength(before);
});
