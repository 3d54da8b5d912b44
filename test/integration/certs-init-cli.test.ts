// `palisade certs init` (the built CLI) makes a dev CA and leaf certificates that the real
// openssl CLI accepts: the chain verifies, each leaf carries its SPIFFE ID as a URI SAN, both
// serverAuth and clientAuth, ECDSA P-256 with SHA-256, CA:FALSE; keys are mode 0600. A second
// run reuses the CA. Bad input is a usage error (exit 2) with a clear message.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';

const run = promisify(execFile);
const API = 'spiffe://example.org/ns/a/sa/api';
const WEB = 'spiffe://example.org/ns/a/sa/frontend';
let dir: string;
let out: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-certs-init-'));
  out = join(dir, 'certs');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const openssl = async (args: string[]) => (await run('openssl', args, { timeout: 10_000 })).stdout;

test('certs init writes a CA and named leaves that openssl verifies', async () => {
  const result = await runCli(['certs', 'init', '--out', out, '--identity', API, '--identity', `web=${WEB}`, '--dns', 'localhost']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toContain(`created CA: ${join(out, 'ca.pem')}`);

  for (const file of ['ca.pem', 'ca-key.pem', 'api.pem', 'api-key.pem', 'web.pem', 'web-key.pem']) {
    expect(existsSync(join(out, file)), file).toBe(true);
  }
  for (const file of ['ca-key.pem', 'api-key.pem', 'web-key.pem']) {
    expect(statSync(join(out, file)).mode & 0o777, file).toBe(0o600);
  }

  for (const [file, id] of [
    ['api.pem', API],
    ['web.pem', WEB],
  ] as const) {
    expect(await openssl(['verify', '-CAfile', join(out, 'ca.pem'), join(out, file)])).toContain(`${join(out, file)}: OK`);
    const text = await openssl(['x509', '-in', join(out, file), '-noout', '-text']);
    expect(text).toContain(`URI:${id}`);
    expect(text).toContain('DNS:localhost');
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toMatch(/prime256v1|P-256/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
  }
  const ca = await openssl(['x509', '-in', join(out, 'ca.pem'), '-noout', '-text']);
  expect(ca).toMatch(/CA:TRUE/);
});

test('a second run reuses the existing CA', async () => {
  const before = readFileSync(join(out, 'ca.pem'), 'utf8');
  const result = await runCli(['certs', 'init', '--out', out, '--identity', 'db=spiffe://example.org/ns/a/sa/db']);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('reused CA');
  expect(readFileSync(join(out, 'ca.pem'), 'utf8')).toBe(before);
  expect(statSync(join(out, 'db-key.pem')).mode & 0o777).toBe(0o600);
  expect(await openssl(['verify', '-CAfile', join(out, 'ca.pem'), join(out, 'db.pem')])).toContain('db.pem: OK');
  // The leaves from the first run still chain to the same CA.
  expect(await openssl(['verify', '-CAfile', join(out, 'ca.pem'), join(out, 'api.pem')])).toContain('api.pem: OK');
});

test('an invalid SPIFFE ID is a usage error with a clear message', async () => {
  const result = await runCli(['certs', 'init', '--out', join(dir, 'bad'), '--identity', 'spiffe://Bad/x']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('--identity spiffe://Bad/x: not a valid SPIFFE ID');
  expect(result.stderr).toContain('trust domain');
  expect(existsSync(join(dir, 'bad', 'x.pem'))).toBe(false);
});

test('missing --out is a usage error', async () => {
  const result = await runCli(['certs', 'init', '--identity', API]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('certs init needs --out DIR');
  expect(result.stderr).toContain('Usage:');
});
