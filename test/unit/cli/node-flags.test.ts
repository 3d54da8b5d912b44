// The sidecar's Node flags are the ones the image starts it with, and this Node accepts them
// and honours the young-generation cap (CI runs this on Node 20 and on Node 24, the image's).
import { spawnSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { SIDECAR_NODE_FLAGS } from '../../../src/cli/node-flags.js';
import { readDockerfile } from '../../helpers/dockerfile.js';

test("the image's ENTRYPOINT passes exactly the sidecar's Node flags, before the script", () => {
  const { stages } = readDockerfile(new URL('../../../Dockerfile', import.meta.url).pathname);
  const entrypoint = stages[stages.length - 1]!.steps.find((step) => step.keyword === 'ENTRYPOINT');
  expect(JSON.parse(entrypoint!.text)).toEqual(['/usr/local/bin/node', ...SIDECAR_NODE_FLAGS, '/app/dist/src/cli/main.js']);
});

test('this Node accepts the flags, and the young generation stays within the semi-space cap under steady allocation', () => {
  const cap = Number(/^--max-semi-space-size=(\d+)$/.exec(SIDECAR_NODE_FLAGS.find((flag) => flag.startsWith('--max-semi-space-size=')) ?? '')?.[1]);
  expect(cap).toBeGreaterThan(0);
  // Enough short-lived garbage that V8 would grow the semi-spaces to their default maximum (16 MiB).
  const script = `
    let keep = [];
    for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 20000) keep = []; }
    const space = require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(space.space_size));`;
  const capped = spawnSync(process.execPath, [...SIDECAR_NODE_FLAGS, '-e', script], { encoding: 'utf8' });
  expect(capped.stderr).toBe('');
  expect(capped.status).toBe(0);
  // The new space is two semi-spaces.
  expect(Number(capped.stdout)).toBeLessThanOrEqual(2 * cap * 1024 * 1024);
  const uncapped = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(Number(uncapped.stdout), 'without the flag the same script grows the young generation past the cap').toBeGreaterThan(2 * cap * 1024 * 1024);
});
