// The machine-readable reports: the JSON report validates against the documented schema (the
// zod schema `--print-schema` prints), and the JUnit report parses with a real XML parser
// (Python's xml.etree) with one testcase per scenario × target, <failure> for vulnerable and
// <error> for error. The drill mixes all three outcomes: curl -k (vulnerable and resisted) and
// a server that is down (its baseline fails, so its scenarios are error).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrillReportSchema } from '../../src/drills/report-json.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { hasTool, runDrillCli, writeDrillFile } from '../helpers/drill.js';
import { runCli } from '../helpers/cli.js';

let pki: TestPki;
let file: string;

beforeAll(async () => {
  pki = await makePki();
  // A port nothing listens on: the server target's baseline is refused.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  file = writeDrillFile(pki, 'drill.yaml', {
    name: 'formats',
    clients: [{ name: 'curl-k', genuine: { cert: pki.server.cert, key: pki.server.key }, command: 'curl -sk -o /dev/null --max-time 5 {url}', scenarios: ['self_signed', 'plaintext'] }],
    servers: [{ name: 'down', url: `https://127.0.0.1:${closedPort}/`, tls: { cert: pki.frontend.cert, key: pki.frontend.key, ca: pki.caPath }, scenarios: ['no_client_cert'] }],
  });
});
afterAll(() => pki.cleanup());

describe('drill reports', () => {
  it('JSON validates against the documented schema', async () => {
    const out = join(pki.dir, 'report.json');
    const result = await runDrillCli(file, ['--format', 'json', '--out', out]);
    expect(result.code).toBe(1);
    const report = DrillReportSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(report.summary).toEqual({ total: 3, vulnerable: 1, informational: 0, resisted: 1, error: 1 });
    expect(report.baselines.find((b) => b.target === 'down')).toMatchObject({ ok: false, evidence: expect.stringMatching(/ECONNREFUSED/) });
    expect(report.results.find((r) => r.target === 'down')?.evidence).toMatch(/^not run: the baseline failed/);
    // --print-schema prints the same schema as JSON Schema.
    const schema = await runCli(['drill', '--print-schema']);
    expect(schema.code).toBe(0);
    const parsed = JSON.parse(schema.stdout) as { $id: string; properties: Record<string, unknown>; required: string[] };
    expect(parsed.$id).toBe('https://palisade.dev/schemas/drill-report/v1');
    expect(parsed.required).toEqual(expect.arrayContaining(['schema', 'drill', 'summary', 'baselines', 'results']));
  });

  it('JUnit parses, with one testcase per scenario × target', async () => {
    if (!hasTool('python3')) {
      if (process.env['CI']) throw new Error('python3 is required in CI (Debian package python3)');
      console.warn('skipping: python3 is not installed (Debian package python3)');
      return;
    }
    const out = join(pki.dir, 'report.xml');
    const result = await runDrillCli(file, ['--format', 'junit', '--out', out]);
    expect(result.code).toBe(1);
    const script = [
      'import json, sys, xml.etree.ElementTree as ET',
      'root = ET.parse(sys.argv[1]).getroot()',
      'cases = [{"classname": c.get("classname"), "name": c.get("name"), "failure": c.find("failure") is not None, "error": c.find("error") is not None} for c in root.iter("testcase")]',
      'print(json.dumps({"tag": root.tag, "tests": root.get("tests"), "failures": root.get("failures"), "errors": root.get("errors"), "cases": cases}))',
    ].join('\n');
    const parsed = spawnSync('python3', ['-c', script, out], { encoding: 'utf8' });
    expect(parsed.status, parsed.stderr).toBe(0);
    const junit = JSON.parse(parsed.stdout) as { tag: string; tests: string; failures: string; errors: string; cases: unknown[] };
    expect(junit).toMatchObject({ tag: 'testsuites', tests: '3', failures: '1', errors: '1' });
    expect(junit.cases).toEqual([
      { classname: 'drill.client.curl-k', name: 'self_signed', failure: true, error: false },
      { classname: 'drill.client.curl-k', name: 'plaintext', failure: false, error: false },
      { classname: 'drill.server.down', name: 'no_client_cert', failure: false, error: true },
    ]);
  });
});
