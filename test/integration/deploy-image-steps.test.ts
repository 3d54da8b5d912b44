// No Docker engine here, so the image is built by replaying the Dockerfile's steps: the build
// context is the checkout filtered by .dockerignore; the build stage's COPY and RUN steps run in
// a temporary directory standing in for WORKDIR (on this machine's Node, which stands in for the
// node base image); the runtime stage's COPY --from steps assemble a root filesystem. The result
// starts from its ENTRYPOINT and CMD as the Dockerfile's numeric USER, with that root filesystem
// mounted read-only (a private mount namespace, when the test runs as root), serves /healthz and
// /readyz with a real config and certificates, and exits 0 on its STOPSIGNAL.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { readDockerfile, type Stage } from '../helpers/dockerfile.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { ROOT } from '../helpers/manifests.js';
import { sleep } from '../helpers/wait.js';

const { stages } = readDockerfile(join(ROOT, 'Dockerfile'));
const build = stages[0]!;
const runtime = stages[stages.length - 1]!;
const isRoot = process.getuid?.() === 0;
// A read-only bind mount needs a mount namespace: root and util-linux's unshare.
const canMountReadOnly = isRoot && spawnSync('unshare', ['-m', 'true']).status === 0 && spawnSync('setpriv', ['--version']).status === 0;

let work: string;
let rootfs: string;
let pki: TestPki;

/** .dockerignore semantics for the patterns it uses: rules in order, the last match wins, `!` re-includes. */
function contextFiles(): string[] {
  const rules = spawnSync('cat', [join(ROOT, '.dockerignore')], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = (negate ? line.slice(1) : line).replace(/\/$/, '');
      const regex = new RegExp(`^${pattern.replace(/[.+^$()|[\]{}]/g, '\\$&').replace(/\*\*\//g, '(.*/)?').replace(/\*/g, '[^/]*')}(/.*)?$`);
      return { negate, regex };
    });
  const included = (path: string) => rules.reduce((keep, rule) => (rule.regex.test(path) ? rule.negate : keep), true);
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.name === '.git' || entry.name === 'node_modules') return included(path) ? [path] : [];
      if (entry.isDirectory()) return walk(path);
      return included(path) ? [path] : [];
    });
  return walk('');
}

/** Replays one stage's steps. `resolve` maps an absolute image path of this stage to the disk. */
function replay(stage: Stage, resolve: (imagePath: string) => string, copyFrom: (stageName: string, path: string) => string, context: string): { env: Record<string, string>; user?: string; entrypoint?: string[]; cmd?: string[]; workdir: string } {
  let workdir = '/';
  const env: Record<string, string> = {};
  let user: string | undefined;
  let entrypoint: string[] | undefined;
  let cmd: string[] | undefined;
  for (const step of stage.steps) {
    switch (step.keyword) {
      case 'WORKDIR':
        workdir = step.text;
        mkdirSync(resolve(workdir), { recursive: true });
        break;
      case 'COPY': {
        const parts = step.text.split(/\s+/);
        const dest = parts.pop()!;
        const target = resolve(dest.startsWith('/') ? dest : join(workdir, dest));
        for (const source of parts) {
          const from = step.from ? copyFrom(step.from, source) : join(context, source);
          const into = dest.endsWith('/') ? join(target, source.split('/').pop()!) : target;
          mkdirSync(dirname(into), { recursive: true });
          cpSync(from, into, { recursive: true, dereference: true });
        }
        break;
      }
      case 'RUN': {
        // prefer-offline: npm's cache plays the part of a build cache mount.
        const result = spawnSync('sh', ['-c', step.text], { cwd: resolve(workdir), env: { ...process.env, ...env, npm_config_prefer_offline: 'true' }, encoding: 'utf8' });
        if (result.status !== 0) throw new Error(`RUN ${step.text} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
        break;
      }
      case 'ENV':
        for (const match of step.text.matchAll(/(\w+)=(\S+)/g)) env[match[1]!] = match[2]!;
        break;
      case 'USER':
        user = step.text;
        break;
      case 'ENTRYPOINT':
        entrypoint = JSON.parse(step.text) as string[];
        break;
      case 'CMD':
        cmd = JSON.parse(step.text) as string[];
        break;
      default:
        break; // LABEL, EXPOSE, STOPSIGNAL: metadata, checked by deploy-dockerfile-lint
    }
  }
  return { env, ...(user ? { user } : {}), ...(entrypoint ? { entrypoint } : {}), ...(cmd ? { cmd } : {}), workdir };
}

let image: ReturnType<typeof replay>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'palisade-image-'));
  chmodSync(work, 0o755); // the image's user must reach rootfs
  const context = join(work, 'context');
  for (const file of contextFiles()) {
    mkdirSync(dirname(join(context, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(context, file));
  }
  const buildRoot = join(work, 'build');
  rootfs = join(work, 'rootfs');
  // The build stage: its filesystem is this machine's (Node and npm stand in for the node image).
  replay(build, (path) => join(buildRoot, path), () => {
    throw new Error('the build stage copies from no other stage');
  }, context);
  image = replay(
    runtime,
    (path) => join(rootfs, path),
    (stageName, path) => {
      expect(stageName).toBe(build.name);
      // The node binary comes from the node base image: here, the Node running this test.
      if (path === '/usr/local/bin/node') return process.execPath;
      return join(buildRoot, path);
    },
    context,
  );
  pki = await makePki();
}, 240_000);

afterAll(() => {
  pki?.cleanup();
  if (work) {
    // Two copies of node_modules: removing them takes a while on a busy machine.
    spawnSync('chmod', ['-R', 'u+w', work]);
    rmSync(work, { recursive: true, force: true });
  }
}, 120_000);

test('the build context holds no tests, certificates or local state', () => {
  const files = contextFiles();
  expect(files.some((file) => file.startsWith('src/'))).toBe(true);
  for (const file of files) expect(file, file).toMatch(/^(src|bench)\/|^(package|package-lock|tsconfig|tsconfig\.build)\.json$/);
});

test('the runtime filesystem has the build output and production dependencies only', () => {
  const app = join(rootfs, 'app');
  expect(existsSync(join(app, 'dist/src/cli/main.js'))).toBe(true);
  expect(existsSync(join(app, 'node_modules/pino'))).toBe(true);
  for (const dev of ['vitest', 'typescript', 'kubernetes-models']) expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
  expect(existsSync(join(app, 'src'))).toBe(false);
  expect(existsSync(join(app, 'test'))).toBe(false);
  expect(readdirSync(rootfs).sort()).toEqual(['app', 'usr']);
});

test('it starts as the numeric USER from its ENTRYPOINT and CMD, read-only, serves probes, and stops on SIGTERM with exit 0', async () => {
  expect(image.user).toMatch(/^\d+:\d+$/);
  // CI runs as root with util-linux: there the read-only root is a real read-only mount.
  if (process.env['CI'] && isRoot) expect(canMountReadOnly, 'unshare -m and setpriv work as root').toBe(true);
  const [uid, gid] = image.user!.split(':').map(Number) as [number, number];
  // The pod's volumes: the config (ConfigMap) and certificates (CSI), readable by the pod's group.
  const etc = join(rootfs, 'etc/palisade');
  mkdirSync(join(etc, 'tls'), { recursive: true });
  for (const [from, to] of [[pki.server.cert, 'tls.crt'], [pki.server.key, 'tls.key'], [pki.caPath, 'ca.crt']] as const) copyFileSync(from, join(etc, 'tls', to));
  writeFileSync(
    join(etc, 'palisade.yaml'),
    stringify({
      admin: { address: '127.0.0.1', port: 0 },
      inbound: [{ name: 'app', address: '127.0.0.1', port: 0, tls: { cert: 'tls/tls.crt', key: 'tls/tls.key', clientCa: 'tls/ca.crt' }, upstream: { url: 'http://127.0.0.1:9' }, routes: [{ name: 'all', path: '/**', allow: ['*'] }] }],
    }),
  );
  if (isRoot) {
    for (const path of [etc, join(etc, 'tls'), ...readdirSync(join(etc, 'tls')).map((f) => join(etc, 'tls', f)), join(etc, 'palisade.yaml')]) chownSync(path, 0, gid);
    chmodSync(join(etc, 'tls/tls.key'), 0o640);
  }
  // Nothing in the image is writable by anyone.
  spawnSync('chmod', ['-R', 'a-w,a+rX', rootfs]);
  expect(statSync(join(rootfs, 'app/dist')).mode & 0o222).toBe(0);

  // Absolute image paths map into rootfs; the container's cwd is WORKDIR.
  const inImage = (arg: string) => (arg.startsWith('/') ? join(rootfs, arg) : arg);
  const argv = [...image.entrypoint!, ...image.cmd!].map(inImage);
  const env = { PATH: '/usr/bin:/bin', ...image.env };
  const child = canMountReadOnly
    ? spawn('unshare', ['-m', 'sh', '-c', `mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec setpriv --reuid ${uid} --regid ${gid} --clear-groups "$@"`, rootfs, ...argv], { cwd: join(rootfs, image.workdir), env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(argv[0]!, argv.slice(1), { cwd: join(rootfs, image.workdir), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 15_000;
    let started: Record<string, unknown> | undefined;
    while (!started && Date.now() < deadline && child.exitCode === null) {
      started = out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line['msg'] === 'palisade started');
      if (!started) await sleep(100);
    }
    expect(started, out).toBeDefined();
    const admin = `http://${started!['admin'] as string}`;
    expect((await request(`${admin}/healthz`)).statusCode).toBe(200);
    expect((await request(`${admin}/readyz`)).statusCode).toBe(200);
    if (isRoot) {
      // It really runs as the image's user, not root.
      // unshare, sh and setpriv each exec in place: the child's pid is the sidecar's.
      const status = spawnSync('cat', [`/proc/${child.pid!}/status`], { encoding: 'utf8' }).stdout;
      expect(status).toMatch(new RegExp(`^Uid:\\s+${uid}\\s`, 'm'));
    }
  } finally {
    if (child.exitCode === null) process.kill(child.pid!, 'SIGTERM');
  }
  expect(await exited, out).toBe(0);
  expect(out).toContain('"msg":"stopped"');
}, 30_000);

