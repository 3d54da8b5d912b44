// The sidecar takes undici's Pool and connector from their own modules, not from undici's index
// (which would load all of undici: fetch, WebSocket, the cache and mock agents...). These must be
// the very objects the public entry point exports, and nothing `palisade` loads may pull the
// index back in.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as undici from 'undici';
import { expect, test } from 'vitest';
import { Pool, buildConnector } from '../../../src/proxy/undici-pool.js';

test("Pool and buildConnector are undici's own exports", () => {
  expect(Pool).toBe(undici.Pool);
  expect(buildConnector).toBe(undici.buildConnector);
});

test("loading every command of the built CLI leaves undici's index unloaded (demo loads it when it runs)", () => {
  const cliDir = fileURLToPath(new URL('../../../dist/src/cli/', import.meta.url));
  const modules = readdirSync(cliDir).filter((name) => name.endsWith('.js') && name !== 'main.js');
  expect(modules).toContain('run.js');
  const script = `
    const { createRequire } = await import('node:module');
    for (const name of ${JSON.stringify(modules)}) await import(${JSON.stringify(cliDir)} + name);
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('/node_modules/undici/'));
    process.stdout.write(JSON.stringify(loaded));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(child.stderr).toBe('');
  const loaded = JSON.parse(child.stdout) as string[];
  expect(loaded.some((path) => path.endsWith('/lib/dispatcher/pool.js')), 'the pool is loaded (the check sees undici modules at all)').toBe(true);
  expect(loaded.filter((path) => path.endsWith('/node_modules/undici/index.js'))).toEqual([]);
});
