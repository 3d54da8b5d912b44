// `palisade drill --metrics-file FILE` writes the results for node_exporter's textfile
// collector: valid Prometheus text (promtool check metrics), the same series the Pushgateway
// gets, and no temp file left beside it.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../helpers/pki.js';
import { hasTool, runDrillCli, writeDrillFile } from '../helpers/drill.js';

let pki: TestPki;

beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki.cleanup());

describe('palisade drill --metrics-file', () => {
  it('writes a textfile that promtool accepts', async () => {
    const file = writeDrillFile(pki, 'drill.yaml', {
      name: 'nightly',
      clients: [{ name: 'curl-k', genuine: { cert: pki.server.cert, key: pki.server.key }, command: 'curl -sk -o /dev/null --max-time 5 {url}', scenarios: ['self_signed', 'plaintext'] }],
    });
    const out = join(pki.dir, 'textfile', 'palisade_drill.prom');
    spawnSync('mkdir', ['-p', join(pki.dir, 'textfile')]);
    const result = await runDrillCli(file, ['--metrics-file', out]);
    expect(result.code).toBe(1);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('# TYPE palisade_drill_results_total counter');
    expect(text).toContain('palisade_drill_results_total{scenario="self_signed",target="curl-k",outcome="vulnerable"} 1');
    expect(text).toContain('palisade_drill_results_total{scenario="plaintext",target="curl-k",outcome="resisted"} 1');
    expect(text).toMatch(/^palisade_drill_last_run_timestamp_seconds \d+(\.\d+)?$/m);
    expect(readdirSync(join(pki.dir, 'textfile'))).toEqual(['palisade_drill.prom']);
    if (!hasTool('promtool', ['--version'])) {
      if (process.env['CI']) throw new Error('promtool is required in CI (Debian package prometheus)');
      console.warn('skipping the promtool check: promtool is not installed');
      return;
    }
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  });
});
