// `palisade certs init` (the built CLI) checks every input before writing anything: a bad --ip,
// --dns, --identity, duration or key type is a usage error (exit 2) naming the option, every
// problem is listed at once, and the output directory is left exactly as it was (no CA behind,
// no certificate with a bad name in it). A CA pair that cannot be reused is refused too (exit 1).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';

const ID = 'spiffe://example.org/ns/a/sa/api';
let dir: string;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-certs-bad-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The full list of bad values is in test/unit/cli/certs-input.test.ts; here a few of each kind
// go through the real CLI (each run is a child process).
const CASES: Array<{ args: string[]; message: string }> = [
  { args: ['--ip', 'not-an-ip'], message: '--ip "not-an-ip": is not an IPv4 or IPv6 address' },
  { args: ['--ip', '256.1.1.1'], message: '--ip "256.1.1.1": is not an IPv4 or IPv6 address' },
  { args: ['--dns', 'bad name'], message: '--dns "bad name": label "bad name" may hold only letters, digits and "-"' },
  { args: ['--dns', 'under_score.example'], message: '--dns "under_score.example"' },
  { args: ['--dns', '127.0.0.1'], message: 'is an IP address; use --ip' },
  { args: ['--identity', 'spiffe://example.org'], message: 'a workload SPIFFE ID needs a path' },
  { args: ['--validity', '99999999d'], message: 'year 9999' },
  { args: ['--key-type', 'dsa-1024'], message: '--key-type dsa-1024: must be one of' },
];

test.each(CASES)('$args → exit 2, "$message", nothing written', async ({ args, message }) => {
  const out = join(dir, `out-${(n += 1)}`);
  const result = await runCli(['certs', 'init', '--out', out, '--identity', ID, ...args]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(message);
  expect(result.stderr).toContain('nothing written');
  expect(existsSync(out)).toBe(false);
});

test('every bad input is reported in one run, and an existing directory is left untouched', async () => {
  const out = join(dir, 'existing');
  mkdirSync(out);
  writeFileSync(join(out, 'keep.txt'), 'x');
  const result = await runCli(['certs', 'init', '--out', out, '--identity', ID, '--ip', 'nope', '--dns', 'bad name', '--validity', 'soon', '--key-type', 'x']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('4 invalid input(s), nothing written');
  for (const part of ['--ip "nope"', '--dns "bad name"', '--validity', '--key-type x']) expect(result.stderr).toContain(part);
  expect(readdirSync(out)).toEqual(['keep.txt']);
});

test('a CA certificate without its key (or the other way round) is not overwritten: exit 1, nothing written', async () => {
  const out = join(dir, 'half-ca');
  mkdirSync(out);
  writeFileSync(join(out, 'ca.pem'), 'the operator\'s CA\n');
  const result = await runCli(['certs', 'init', '--out', out, '--identity', ID]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('has ca.pem but no ca-key.pem');
  expect(readdirSync(out)).toEqual(['ca.pem']);
});

test('a CA pair that cannot be read is not reused or replaced: exit 1, no leaf written', async () => {
  const out = join(dir, 'bad-ca');
  mkdirSync(out);
  writeFileSync(join(out, 'ca.pem'), 'garbage\n');
  writeFileSync(join(out, 'ca-key.pem'), 'garbage\n');
  const result = await runCli(['certs', 'init', '--out', out, '--identity', ID]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('cannot reuse the CA');
  expect(readdirSync(out).sort()).toEqual(['ca-key.pem', 'ca.pem']);
});

test('--out naming a file is refused: exit 1', async () => {
  const out = join(dir, 'a-file');
  writeFileSync(out, 'x');
  const result = await runCli(['certs', 'init', '--out', out, '--identity', ID]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('is not a directory');
});

test('good --dns (wildcard, mixed case, digits) and --ip (IPv4, IPv6) are accepted', async () => {
  const out = join(dir, 'good');
  const result = await runCli(['certs', 'init', '--out', out, '--identity', ID, '--dns', '*.svc.example.org', '--dns', 'API-1.Example.org', '--dns', 'localhost', '--ip', '127.0.0.1', '--ip', '::1']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(readdirSync(out).sort()).toEqual(['api-key.pem', 'api.pem', 'ca-key.pem', 'ca.pem']);
});
