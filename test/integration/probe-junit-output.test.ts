// `palisade probe --format junit` parses as JUnit XML: one <testcase> per check family, one
// <failure> per finding at or above --fail-on, and the exit code follows --fail-on.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { startTarget, type ProbeTestTarget } from '../helpers/probe-target.js';

let pki: TestPki;
let target: ProbeTestTarget;

interface JunitCase {
  name: string;
  failure?: Array<{ type: string; message: string }>;
}

beforeAll(async () => {
  pki = await makePki();
  // No TLS 1.3 (low), a CBC suite and client cipher order (low), no client certificate asked for (critical).
  target = await startTarget({ cert: pki.server.certPem, key: pki.server.keyPem, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA' });
});
afterAll(async () => {
  await target?.close();
  pki?.cleanup();
});

async function junit(failOn: string): Promise<{ code: number | null; cases: JunitCase[]; suite: Record<string, string> }> {
  const result = await runCli(['probe', `localhost:${target.port}`, '--ca', pki.caPath, '--format', 'junit', '--fail-on', failOn], { timeoutMs: 60_000 });
  expect(XMLValidator.validate(result.stdout), result.stdout).toBe(true);
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' || name === 'failure' }).parse(result.stdout) as {
    testsuites: { testsuite: Record<string, string> & { testcase: JunitCase[] } };
  };
  return { code: result.code, cases: parsed.testsuites.testsuite.testcase, suite: parsed.testsuites.testsuite };
}

test('one testcase per check, a failure per finding at or above --fail-on', async () => {
  const { code, cases, suite } = await junit('medium');
  expect(code).toBe(1);
  expect(cases.map((testCase) => testCase.name)).toEqual(['protocols', 'ciphers', 'certificate', 'mtls', 'http']);
  const failures = cases.flatMap((testCase) => (testCase.failure ?? []).map((failure) => ({ check: testCase.name, ...failure })));
  expect(failures.map((failure) => failure.message.split(':')[0]).sort()).toEqual(['mtls_not_required']);
  expect(failures[0]?.type).toBe('critical');
  expect(Number(suite['failures'])).toBe(failures.length);
  expect(Number(suite['tests'])).toBe(5);
  // Below the threshold: listed, not failed.
  expect(cases.find((testCase) => testCase.name === 'protocols')?.failure).toBeUndefined();
});

test('--fail-on low turns the low findings into failures too', async () => {
  const { code, cases } = await junit('low');
  expect(code).toBe(1);
  const ids = cases.flatMap((testCase) => (testCase.failure ?? []).map((failure) => failure.message.split(':')[0]));
  expect(ids).toEqual(expect.arrayContaining(['mtls_not_required', 'tls13_not_supported', 'cipher_cbc']));
});
