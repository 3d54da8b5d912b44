// `palisade validate` refuses what Node would refuse at start: server.requestTimeoutMs below
// server.headersTimeoutMs (inbound and egress), and a timeout above Node's timer maximum, each
// with its key path and exit 1, so CI catches the config a crash-looping pod would otherwise.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { sidecarConfig } from '../helpers/sidecar.js';

let pki: TestPki;

beforeAll(async () => {
  pki = await makePki();
});

afterAll(() => {
  pki?.cleanup();
});

test('requestTimeoutMs < headersTimeoutMs and an oversized timeout are refused with their key paths', async () => {
  const config = sidecarConfig(pki, {
    upstreamUrl: 'http://127.0.0.1:8080',
    listener: { server: { headersTimeoutMs: 30_000, requestTimeoutMs: 10_000 }, upstream: { url: 'http://127.0.0.1:8080', queueTimeoutMs: 2 ** 31 } },
  });
  const path = join(pki.dir, 'timeouts.yaml');
  writeFileSync(path, stringify(config));
  const result = await runCli(['validate', '-c', path]);
  expect(result.code).toBe(1);
  const output = result.stdout + result.stderr;
  expect(output).toContain('inbound[0].server.requestTimeoutMs');
  expect(output).toContain('must be at least headersTimeoutMs (30000)');
  expect(output).toContain('inbound[0].upstream.queueTimeoutMs');
  expect(output).toContain("Node's timer limit");
});
