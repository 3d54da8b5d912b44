// The CLI explains itself: every command the top-level usage lists answers `--help` and
// `palisade help CMD` (usage, every option with its default, an example); `version` and
// `--version` print the package version; a mistyped command or option gets a suggestion and exit
// 2; machine-readable output (`--format json`) for validate and certs init; colour only on a
// terminal (a real pseudo-terminal from util-linux `script`) and never with NO_COLOR.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
let dir: string;
/** Each start loads the whole program; on a loaded 2-core machine that can take seconds. */
const cli = (args: string[]) => runCli(args, { timeoutMs: 60_000 });
let commands: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-cli-'));
  const top = await cli(['--help']);
  expect(top.code).toBe(0);
  commands = [...top.stdout.matchAll(/^ {2}palisade ([a-z]+)\b(?! {2,})/gm)].map((m) => m[1]!);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('every listed command answers --help and help CMD with usage, options with defaults, and an example', async () => {
  expect(commands).toEqual(expect.arrayContaining(['run', 'validate', 'demo', 'certs', 'sign', 'version']));
  for (const command of commands) {
    const viaFlag = await cli([command, '--help']);
    const viaHelp = await cli(['help', command]);
    expect(viaFlag.code, command).toBe(0);
    expect(viaHelp.stdout, command).toBe(viaFlag.stdout);
    expect(viaFlag.stdout, command).toMatch(/^Usage:\n {2}palisade /m);
    expect(viaFlag.stdout, command).toMatch(/^Examples:\n {2}([A-Z_]+=\S+ )?(palisade|kill) /m);
    expect(viaFlag.stdout, command).toContain('-h, --help');
    // Every option line carries its default, or says it is required, or is a flag.
    const options = viaFlag.stdout.split('\nOptions:\n')[1]?.split('\n\n')[0] ?? '';
    for (const line of options.split('\n').filter((l) => /^ {2}-/.test(l) && !l.includes('--help'))) {
      const flags = line.trim().split(/ {2,}/)[0]!;
      if (/(^|[ ,])--?[A-Za-z0-9-]+[ =][^-\s]/.test(flags)) expect(line, `${command}: ${line}`).toMatch(/\((required|default: [^)]+)(; [^)]*)?\)$|\(required\)|default: /);
    }
  }
}, 240_000);

test('version and --version print the package version', async () => {
  expect((await cli(['--version'])).stdout).toBe(`palisade ${pkg.version}\n`);
  const text = await cli(['version']);
  expect(text.stdout).toMatch(new RegExp(`^palisade ${pkg.version.replace(/\./g, '\\.')}\nnode \\d+\\.\\d+\\.\\d+, openssl \\S+\n$`));
  expect(JSON.parse((await cli(['version', '--format', 'json'])).stdout)).toEqual({ palisade: pkg.version, node: expect.any(String), openssl: expect.any(String) });
});

test('a mistyped command or option gets a suggestion and exit 2', async () => {
  const command = await cli(['valdate', '-c', 'x.yaml']);
  const option = await cli(['validate', '--confg', 'x.yaml']);
  const certs = await cli(['certs', 'init', '--ot', dir]);
  const none = await cli(['deploy']);
  const help = await cli(['help', 'sgn']);
  expect(command.code).toBe(2);
  expect(command.stderr).toContain('unknown command "valdate"; did you mean "validate"?');
  expect(option.code).toBe(2);
  expect(option.stderr).toContain('unknown option --confg for "validate"; did you mean --config?');
  expect(option.stderr).toContain('Run "palisade validate --help"');
  expect(certs.stderr).toContain('did you mean --out?');
  expect(none.code).toBe(2);
  expect(none.stderr).toContain('unknown command "deploy"');
  expect(none.stderr).not.toContain('did you mean');
  expect(help.stderr).toContain('did you mean "sign"?');
}, 120_000);

test('validate --format json: ok or every error with its key path, on stdout, same exit codes', async () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'admin: { port: 99999 }\ninbound: []\nbogus: 1\n');
  const result = await cli(['validate', '-c', bad, '--format', 'json']);
  expect(result.code).toBe(1);
  expect(result.stderr).toBe('');
  const report = JSON.parse(result.stdout) as { ok: boolean; errors: Array<{ path: string; message: string }> };
  expect(report.ok).toBe(false);
  expect(report.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['admin.port', 'inbound', 'bogus']));
  expect(report.errors.find((e) => e.path === 'bogus')?.message).toBe('unknown key');
  expect((await cli(['validate', '-c', bad, '--format', 'xml'])).code).toBe(2);
});

test('certs init --format json lists what it wrote', async () => {
  const out = join(dir, 'certs');
  const result = await cli(['certs', 'init', '--out', out, '--identity', 'spiffe://example.org/ns/a/sa/web', '--format', 'json']);
  expect(result.code).toBe(0);
  const written = JSON.parse(result.stdout) as { ca: string; caKey: string; reusedCa: boolean; identities: Array<{ name: string; id: string; cert: string; key: string }> };
  expect(written).toMatchObject({ reusedCa: false, identities: [{ name: 'web', id: 'spiffe://example.org/ns/a/sa/web' }] });
  for (const file of [written.ca, written.caKey, written.identities[0]!.cert, written.identities[0]!.key]) expect(existsSync(file), file).toBe(true);
});

test('no colour when piped; colour on a terminal; none on a terminal with NO_COLOR', async () => {
  const bad = join(dir, 'bad.yaml');
  const piped = await cli(['validate', '-c', bad]);
  expect(piped.stderr).not.toContain('\u001b[');
  if (!hasScript && !process.env['CI']) return; // util-linux `script` gives a real pseudo-terminal
  const onTerminal = (noColor: string | undefined) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
    if (noColor === undefined) delete env['NO_COLOR'];
    else env['NO_COLOR'] = noColor;
    return spawnSync('script', ['-qec', `"${process.execPath}" "${CLI}" validate -c "${bad}"`, '/dev/null'], { encoding: 'utf8', env }).stdout;
  };
  expect(onTerminal(undefined)).toContain('\u001b[31m');
  expect(onTerminal('1')).not.toContain('\u001b[');
}, 60_000);
