// npm run bench: what does the sidecar cost per request, next to what the same forwarding
// costs in nginx, haproxy and a bare Node proxy? One run, side by side, the same app behind all.
//
// Processes, all on 127.0.0.1:
//   echo app      node dist/bench/echo-server.js     plain HTTP, the demo echo app: THE upstream of every scenario
//   nginx         nginx, config written here         mTLS → keep-alive → echo app (when installed)
//   haproxy       haproxy, config written here       the same (when installed)
//   bare proxy    node dist/bench/bare-proxy.js      Node https + undici, no checks: the runtime's floor
//   sidecar       node dist/src/cli/main.js run      Palisade, one config per scenario
//   this process  the load generator (undici, client certificates)
// With taskset and two or more CPUs, the server side (proxy + app) runs on CPU 0 and the load
// generator on CPU 1. CPU per request is read from /proc/PID/stat over the measured window.
//
// Every keep-alive target is started first. The closed loop (BENCH_CONCURRENCY keep-alive
// connections, one request each in flight) gives CPU per request and throughput; it runs in
// BENCH_PASSES passes over all targets, forward then backward, and each figure is the median over
// the passes. Then an open loop per target at BENCH_RATE req/s (latency from the intended send
// time). Then new-connection-per-request runs (a full mTLS handshake per request) with EC and RSA
// server certificates. Peak RSS (VmHWM) of every proxy at its end.
// The raw cost of one Ed25519 / ES256 verify is measured in the same run for the goal ratios.
//
// Environment: BENCH_QUICK=1 (or --quick): short windows for a quick look. BENCH_SECONDS,
// BENCH_WARMUP_SECONDS, BENCH_CONCURRENCY (32), BENCH_RATE (2000), BENCH_OPEN_SECONDS,
// BENCH_HANDSHAKE_SECONDS, BENCH_HANDSHAKE_RESUME=1 (the new-connection runs offer the previous
// connection's session ticket: resumed handshakes, ids and labels marked so, no goal ratio),
// BENCH_MAX_REQUESTS (1000000), BENCH_PASSES (3; 4 with a baseline),
// BENCH_ONLY (comma-separated scenario ids), BENCH_OUT (reports/bench.json), BENCH_CPU_PROF=DIR
// (a V8 CPU profile per sidecar and bare proxy), BENCH_BASELINE_DIST=DIR (the dist/ of another
// build: each Palisade scenario runs with it too, next to it in every pass, so a change is
// measured against its parent side by side in one run).
// BENCH_BASELINE_NODE_FLAGS='...' (the baseline sidecar's Node flags; unset: the same as this
// build's, src/cli/node-flags.ts, as the image starts it).
// Prints a table and the goal ratios, writes JSON; exits 1 if any scenario had a failure.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request as undiciRequest, Agent } from 'undici';
import { stringify } from 'yaml';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { certsInit } from '../src/cli/certs.js';
import { signRequestHeaders } from '../src/signatures/sign-request.js';
import { SIDECAR_NODE_FLAGS } from '../src/cli/node-flags.js';
import { VERSION } from '../src/version.js';
import { runHandshakeLoad } from './handshakes.js';
import { runLoad, type ClientTls } from './load.js';
import { findBinary, haproxyCommand, nginxCommand, type NativeProxyTls } from './native-proxies.js';
import { runOpenLoop } from './open-loop.js';
import { renderProfileSummary, summarizeProfile } from './profile-summary.js';
import { measurePrimitives } from './primitives.js';
import {
  clkTck,
  cpuMicros,
  freePort,
  killAllSync,
  peakRssBytes,
  pinSelf,
  spawnCommand,
  spawnNode,
  taskset,
  waitForHttp200,
  waitForPort,
  withTimeout,
  type Child,
} from './procs.js';
import { buildReport, renderTable, type HandshakeResult, type ScenarioResult } from './report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = join(ROOT, 'dist');
const TRUST_DOMAIN = 'bench.palisade.local';
const SERVER_ID = `spiffe://${TRUST_DOMAIN}/ns/bench/sa/server`;
const CLIENT_ID = `spiffe://${TRUST_DOMAIN}/ns/bench/sa/client`;
const PATH = '/bench/echo?q=1';

function envNumber(name: string, fallback: number, { integer = false, min = 0 } = {}): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`${name}=${raw}: must be ${integer ? 'an integer' : 'a number'} >= ${min}`);
  }
  return value;
}

const QUICK = process.argv.includes('--quick') || (process.env['BENCH_QUICK'] ?? '') === '1';
const SETTINGS = {
  quick: QUICK,
  seconds: envNumber('BENCH_SECONDS', QUICK ? 2 : 5, { min: 0.1 }),
  // Closed-loop passes over every target (medians); an even count when comparing two builds,
  // so each goes first equally often.
  passes: envNumber('BENCH_PASSES', QUICK ? 1 : process.env['BENCH_BASELINE_DIST'] ? 4 : 3, { integer: true, min: 1 }),
  passWarmupSeconds: QUICK ? 0.5 : 1,
  // A fresh Node process needs several seconds of load before the JIT settles.
  warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', QUICK ? 2 : 5),
  concurrency: envNumber('BENCH_CONCURRENCY', 32, { integer: true, min: 1 }),
  maxRequests: envNumber('BENCH_MAX_REQUESTS', 1_000_000, { integer: true, min: 1 }),
  openLoopRate: envNumber('BENCH_RATE', 2000, { min: 1 }),
  openLoopSeconds: envNumber('BENCH_OPEN_SECONDS', QUICK ? 2 : 5, { min: 0 }),
  openLoopWarmupSeconds: 1,
  handshakeSeconds: envNumber('BENCH_HANDSHAKE_SECONDS', QUICK ? 2 : 4, { min: 0 }),
  handshakeWarmupSeconds: QUICK ? 1 : 2,
  handshakeConcurrency: 4,
  handshakeResume: (process.env['BENCH_HANDSHAKE_RESUME'] ?? '') === '1',
};
const ONLY = new Set((process.env['BENCH_ONLY'] ?? '').split(',').map((id) => id.trim()).filter(Boolean));
const wanted = (id: string) => ONLY.size === 0 || ONLY.has(id);
const BASELINE_DIST = process.env['BENCH_BASELINE_DIST'] ? resolve(process.env['BENCH_BASELINE_DIST']) : undefined;
// The baseline build's Node flags, space-separated ('' for none); unset: the same as this build's.
const BASELINE_NODE_FLAGS = process.env['BENCH_BASELINE_NODE_FLAGS'] === undefined ? undefined : process.env['BENCH_BASELINE_NODE_FLAGS'].split(' ').filter(Boolean);
const OUT = resolve(ROOT, process.env['BENCH_OUT'] ?? 'reports/bench.json');
const STARTUP_TIMEOUT_MS = 15_000;
// Up to twenty keep-alive targets (thirteen, and seven baseline builds) in every pass, their open
// loops, and eight handshake runs (a baseline build for Palisade's), plus start-up and shutdown;
// past this the run is stuck, not slow.
const WATCHDOG_MS =
  (20 * (SETTINGS.warmupSeconds + SETTINGS.passes * (SETTINGS.seconds + SETTINGS.passWarmupSeconds + 2) + SETTINGS.openLoopSeconds + SETTINGS.openLoopWarmupSeconds + 3) +
    8 * (SETTINGS.handshakeSeconds + SETTINGS.handshakeWarmupSeconds + 2)) *
    1000 +
  180_000;

// CPU 0: everything measured (proxy and app). CPU 1: this process, the load generator.
const SERVER_CPU = 0;
const LOADGEN_CPU = 1;
const PINNED = cpus().length >= 2 && taskset() !== null && pinSelf(LOADGEN_CPU);
const serverCpu = PINNED ? SERVER_CPU : undefined;

const log = (line = '') => process.stderr.write(`${line}\n`);

let tempDir: string | undefined;

function removeTempDir(): void {
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}

interface Pki {
  readonly ca: string;
  readonly server: { cert: string; key: string };
  readonly clientTls: ClientTls;
}

async function makePki(dir: string, keyType: 'ec-p256' | 'rsa-2048'): Promise<Pki> {
  const certs = await certsInit({
    out: dir,
    keyType,
    identities: [
      { name: 'server', id: SERVER_ID },
      { name: 'client', id: CLIENT_ID },
    ],
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    validityMs: 24 * 3_600_000,
  });
  const [server, client] = certs.identities;
  if (!server || !client) throw new Error('certsInit wrote no identities');
  return {
    ca: certs.ca,
    server: { cert: server.cert, key: server.key },
    clientTls: { ca: readFileSync(certs.ca), cert: readFileSync(client.cert), key: readFileSync(client.key), servername: 'localhost' },
  };
}

interface Target {
  readonly id: string;
  readonly label: string;
  readonly kind: ScenarioResult['kind'];
  readonly origin: string;
  readonly tls?: ClientTls;
  readonly proxy?: Child;
  readonly headers?: Record<string, string>;
  readonly headersFor?: () => Record<string, string>;
  /** What the app must see of the caller in the sanity check (undefined: nothing to check). */
  readonly expectPeer?: string;
}

/** One closed-loop pass over one target: the load generator's result and CPU µs per request by process. */
interface ClosedPass {
  readonly load: ScenarioResult['load'];
  readonly cpu: Record<string, number>;
}

/** CPU time (µs, /proc) of each process over a measured window. */
function cpuWindow(processes: ReadonlyArray<readonly [string, Child]>) {
  const before: Record<string, number> = {};
  const used: Record<string, number> = {};
  return {
    start: () => {
      for (const [role, child] of processes) before[role] = cpuMicros(child.pid);
    },
    end: () => {
      for (const [role, child] of processes) used[role] = cpuMicros(child.pid) - (before[role] ?? 0);
    },
    used,
  };
}

function processesOf(target: Target, app: Child): Array<readonly [string, Child]> {
  return [['app', app], ...(target.proxy ? ([['proxy', target.proxy]] as const) : [])];
}

const per = (micros: number | undefined, count: number) => (micros === undefined || count === 0 ? Number.NaN : micros / count);

function requestOptions(target: Target) {
  return {
    origin: target.origin,
    path: PATH,
    ...(target.tls ? { tls: target.tls } : {}),
    ...(target.headers ? { headers: target.headers } : {}),
    ...(target.headersFor ? { headersFor: target.headersFor } : {}),
  };
}

async function closedLoop(target: Target, app: Child, warmupSeconds: number): Promise<ClosedPass> {
  const window = cpuWindow(processesOf(target, app));
  const load = await runLoad({
    ...requestOptions(target),
    concurrency: SETTINGS.concurrency,
    warmupMs: warmupSeconds * 1000,
    durationMs: SETTINGS.seconds * 1000,
    maxRequests: SETTINGS.maxRequests,
    onMeasureStart: window.start,
    onMeasureEnd: window.end,
  });
  const cpu: Record<string, number> = { app: per(window.used['app'], load.requests), loadgen: per(load.loadgenCpuMicros, load.requests) };
  if (target.proxy) cpu['proxy'] = per(window.used['proxy'], load.requests);
  return { load, cpu };
}

async function openLoopOf(target: Target, app: Child): Promise<NonNullable<ScenarioResult['openLoop']>> {
  const window = cpuWindow(processesOf(target, app));
  const result = await runOpenLoop({
    ...requestOptions(target),
    rate: SETTINGS.openLoopRate,
    connections: SETTINGS.concurrency,
    warmupMs: SETTINGS.openLoopWarmupSeconds * 1000,
    durationMs: SETTINGS.openLoopSeconds * 1000,
    onMeasureStart: window.start,
    onMeasureEnd: window.end,
  });
  return { ...result, proxyCpuMicrosPerRequest: per(window.used['proxy'], result.ok + result.failed) };
}

function median(values: readonly number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** A target's figures: CPU per request as the median over the passes; throughput and latency from the median pass. */
function summarize(target: Target, passes: readonly ClosedPass[], openLoop: ScenarioResult['openLoop']): ScenarioResult {
  const key = (one: ClosedPass) => one.cpu['proxy'] ?? one.cpu['app'] ?? 0;
  const ordered = [...passes].sort((a, b) => key(a) - key(b));
  const middle = ordered[Math.floor((ordered.length - 1) / 2)];
  if (!middle) throw new Error(`${target.label}: no closed-loop pass ran`);
  // Failures of any pass count: a scenario that failed once is not a clean figure.
  const failures = passes.reduce((sum, one) => ({ errors: sum.errors + one.load.errors, non2xx: sum.non2xx + one.load.non2xx, warmupFailures: sum.warmupFailures + one.load.warmupFailures }), { errors: 0, non2xx: 0, warmupFailures: 0 });
  const firstFailure = passes.find((one) => one.load.firstFailure !== undefined)?.load.firstFailure;
  const proxy = target.proxy ? median(passes.map((one) => one.cpu['proxy'] ?? Number.NaN)) : undefined;
  const seconds = middle.load.seconds;
  return {
    id: target.id,
    label: target.label,
    kind: target.kind,
    target: target.origin,
    load: { ...middle.load, ...failures, ...(firstFailure !== undefined ? { firstFailure } : {}) },
    cpuMicrosPerRequest: {
      ...(proxy !== undefined ? { proxy } : {}),
      app: median(passes.map((one) => one.cpu['app'] ?? Number.NaN)),
      loadgen: median(passes.map((one) => one.cpu['loadgen'] ?? Number.NaN)),
    },
    passes: passes.map((one) => ({ requests: one.load.requests, rps: one.load.rps, cpuMicrosPerRequest: one.cpu })),
    proxyBusyPercent: target.proxy && proxy !== undefined ? ((proxy * middle.load.requests) / (seconds * 1e6)) * 100 : Number.NaN,
    ...(openLoop ? { openLoop } : {}),
    ...(target.proxy ? { peakRssBytes: peakRssBytes(target.proxy.pid) } : {}),
  };
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-bench-'));
  tempDir = dir;
  const children: Child[] = [];
  const track = (child: Child) => (children.push(child), child);
  const loadBefore = loadavg();
  const runStarted = Date.now();
  try {
    log(
      `palisade bench${QUICK ? ' (quick)' : ''}: ${SETTINGS.passes} x ${SETTINGS.seconds}s closed loop after ${SETTINGS.warmupSeconds}s warm-up, ${SETTINGS.concurrency} connections; ` +
        `open loop ${SETTINGS.openLoopRate} req/s for ${SETTINGS.openLoopSeconds}s; handshakes ${SETTINGS.handshakeSeconds}s`,
    );
    log(
      PINNED
        ? `  pinned with taskset: proxy and app on CPU ${SERVER_CPU}, load generator on CPU ${LOADGEN_CPU}`
        : `  NOT pinned (${taskset() === null ? 'taskset not found' : cpus().length < 2 ? 'fewer than 2 CPUs' : 'taskset refused'}): every process shares every CPU`,
    );
    log(`  load average before: ${loadBefore.map((v) => v.toFixed(2)).join(' ')}`);
    const ec = await makePki(join(dir, 'pki-ec'), 'ec-p256');
    const nginx = findBinary('nginx');
    const haproxy = findBinary('haproxy');
    if (!nginx) log('  nginx not installed: no nginx scenario (apt-get install nginx)');
    if (!haproxy) log('  haproxy not installed: no haproxy scenario (apt-get install haproxy)');

    const echo = track(spawnNode('echo app', [join(DIST, 'bench', 'echo-server.js')], { stdout: 'line', stderrPath: join(dir, 'echo.stderr'), cpu: serverCpu }));
    const echoPort = Number((await withTimeout(echo.firstJson, STARTUP_TIMEOUT_MS, 'echo app start')).port);

    log('  raw verify costs (this process) ...');
    const primitives = await measurePrimitives(QUICK ? 200 : 500);

    // Every keep-alive target is started first and stays up; then the closed loop runs in
    // SETTINGS.passes passes over all of them, forward and then backward (A B C, C B A, ...), so
    // a slow drift of the machine falls on every target alike and no target always goes first.
    // Each figure is the median over the passes, the spread is in the table. Then one open loop each.
    const targets: Target[] = [];
    const stops: Array<() => Promise<void>> = [];
    const add = async (target: Target) => {
      await sanityCheck(target.origin, target.tls, target.expectPeer, target.headersFor?.() ?? target.headers);
      targets.push(target);
    };

    // Plain HTTP straight to the app: the direct call every added latency is measured against.
    if (wanted('plain_http')) await add({ id: 'plain_http', label: 'direct: plain HTTP to the app', kind: 'reference', origin: `http://127.0.0.1:${echoPort}` });

    const native = async (id: string, label: string, binary: string | undefined, build: typeof nginxCommand, pki: Pki, tag: string) => {
      if (!binary || !wanted(id)) return undefined;
      const port = await freePort();
      const { command, args } = build(binary, dir, tag, port, echoPort, { cert: pki.server.cert, key: pki.server.key, ca: pki.ca } satisfies NativeProxyTls);
      const child = track(spawnCommand(label, command, args, { stdout: join(dir, `${tag}.stdout`), stderrPath: join(dir, `${tag}.stderr`), cpu: serverCpu }));
      await waitForPort(child, port, STARTUP_TIMEOUT_MS);
      return { child, port };
    };
    for (const [id, label, binary, build] of [
      ['nginx', 'nginx mTLS proxy', nginx, nginxCommand],
      ['haproxy', 'haproxy mTLS proxy', haproxy, haproxyCommand],
    ] as const) {
      const started = await native(id, label, binary, build, ec, id);
      if (!started) continue;
      stops.push(() => started.child.stop());
      await add({ id, label, kind: 'native', origin: `https://127.0.0.1:${started.port}`, tls: ec.clientTls, proxy: started.child, expectPeer: 'Hash=' });
    }

    for (const [id, label, script, mode] of [
      ['bare_node', 'bare Node https + undici proxy', 'bare-proxy.js', undefined],
      ['raw_node', 'what-if: Node tls + llhttp + undici, no node:http', 'raw-proxy.js', 'undici'],
      ['raw_socket', 'what-if: Node tls + llhttp + net socket, no library', 'raw-proxy.js', 'socket'],
    ] as const) {
      if (!wanted(id)) continue;
      const bare = await startBare(dir, ec, echoPort, id, script, mode);
      track(bare.child);
      stops.push(() => bare.child.stop());
      await add({ id, label, kind: 'bare', origin: `https://127.0.0.1:${bare.port}`, tls: ec.clientTls, proxy: bare.child, expectPeer: CLIENT_ID });
    }

    // Palisade: transport (identity + route, audit off), audit on, token, signature, all checks.
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwksPath = join(dir, 'bench-jwks.json');
    writeFileSync(jwksPath, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] }));
    const issuedAt = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ scope: 'bench:echo', sub: CLIENT_ID })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
      .setIssuer('https://issuer.bench.palisade.local')
      .setAudience(SERVER_ID)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 3600)
      .sign(privateKey);
    const tokensConfig = (cache: boolean) => ({
      issuers: [{ name: 'bench', issuer: 'https://issuer.bench.palisade.local', audiences: [SERVER_ID], algorithms: ['ES256'], jwks: jwksPath }],
      cache: { maxEntries: cache ? 10_000 : 0 },
    });
    const sigKeys = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'bench-sig.pub.pem'), sigKeys.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const signaturesConfig = { keys: [{ keyid: 'bench', algorithm: 'ed25519', identity: CLIENT_ID, key: join(dir, 'bench-sig.pub.pem') }] };
    // ECDSA P-256 as well: the signature goal holds for both algorithms (raw figure: ES256 crypto.verify).
    const p256Keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'bench-sig-p256.pub.pem'), p256Keys.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const p256SignaturesConfig = { keys: [{ keyid: 'bench-p256', algorithm: 'ecdsa-p256-sha256', identity: CLIENT_ID, key: join(dir, 'bench-sig-p256.pub.pem') }] };
    const bearer = { authorization: `Bearer ${token}` };

    const palisade: Array<{ id: string; label: string; level: 'warn' | 'info'; extra: SidecarExtra; headers?: Record<string, string>; signed?: boolean; signP256?: boolean }> = [
      { id: 'palisade_warn', label: 'Palisade transport, log warn', level: 'warn', extra: {} },
      { id: 'palisade_info', label: 'Palisade transport, audit at info', level: 'info', extra: {} },
      { id: 'palisade_token', label: 'Palisade + token (cache hit)', level: 'warn', extra: { tokens: tokensConfig(true) }, headers: bearer },
      { id: 'palisade_token_nocache', label: 'Palisade + token, cache off', level: 'warn', extra: { tokens: tokensConfig(false) }, headers: bearer },
      { id: 'palisade_signature', label: 'Palisade + ed25519 signature', level: 'warn', extra: { signatures: signaturesConfig }, signed: true },
      { id: 'palisade_signature_p256', label: 'Palisade + ECDSA P-256 signature', level: 'warn', extra: { signatures: p256SignaturesConfig }, signed: true, signP256: true },
      { id: 'palisade_all', label: 'Palisade, token + signature, info', level: 'info', extra: { tokens: tokensConfig(true), signatures: signaturesConfig }, headers: bearer, signed: true },
    ];
    // With a baseline build, each scenario also runs with that build, right next to this one in
    // every pass (so their order alternates from pass to pass): a change against its parent.
    const builds = [{ suffix: '', label: '', dist: DIST }, ...(BASELINE_DIST ? [{ suffix: '_baseline', label: ' [baseline build]', dist: BASELINE_DIST }] : [])];
    let auditCount: { logPath: string; linesBefore: number; bytesBefore: number } | undefined;
    for (const scenario of palisade) {
      if (!wanted(scenario.id)) continue;
      for (const build of builds) {
        const id = scenario.id + build.suffix;
        const { sidecar, port, logPath } = await startSidecar(dir, scenario.level, echoPort, ec, { ...scenario.extra, tag: id, dist: build.dist });
        track(sidecar);
        stops.push(() => sidecar.stop());
        const origin = `https://127.0.0.1:${port}`;
        const headersFor = scenario.signed
          ? () => ({ ...scenario.headers, ...Object.fromEntries(signRequestHeaders({ ...(scenario.signP256 ? { key: p256Keys.privateKey, algorithm: 'ecdsa-p256-sha256', keyid: 'bench-p256' } : { key: sigKeys.privateKey, algorithm: 'ed25519', keyid: 'bench' }), url: `${origin}${PATH}` })) })
          : undefined;
        // At info: one audit line per request of the sanity check, the warm-ups and the closed loops.
        if (scenario.id === 'palisade_info' && build.suffix === '') auditCount = { logPath, linesBefore: countLines(logPath), bytesBefore: statSync(logPath).size };
        await add({
          id,
          label: scenario.label + build.label,
          kind: 'palisade',
          origin,
          tls: ec.clientTls,
          proxy: sidecar,
          ...(headersFor ? { headersFor } : scenario.headers ? { headers: scenario.headers } : {}),
          expectPeer: CLIENT_ID,
        });
      }
    }

    const passes = new Map<string, ClosedPass[]>(targets.map((target) => [target.id, []]));
    for (let pass = 0; pass < SETTINGS.passes; pass += 1) {
      log(`  closed loop, pass ${pass + 1} of ${SETTINGS.passes}`);
      for (const target of pass % 2 === 0 ? targets : [...targets].reverse()) {
        // The first pass warms each process up; later passes only open their connections again.
        const warmupSeconds = pass === 0 ? SETTINGS.warmupSeconds : SETTINGS.passWarmupSeconds;
        const one = await closedLoop(target, echo, warmupSeconds);
        passes.get(target.id)?.push(one);
        const proxy = one.cpu['proxy'];
        log(
          `    ${target.label}: ${one.load.requests} requests, ${one.load.rps.toFixed(0)} req/s, ${proxy === undefined ? '' : `proxy ${proxy.toFixed(0)} µs/req, `}p50 ${one.load.latencyMs.p50.toFixed(2)} ms` +
            (one.load.errors + one.load.non2xx + one.load.warmupFailures > 0 ? `, FAILURES ${one.load.errors + one.load.non2xx + one.load.warmupFailures}: ${one.load.firstFailure}` : ''),
        );
      }
    }
    let auditLog: { lines: number; expectedLines: number; bytesPerRequest: number } | undefined;
    if (auditCount) {
      await settle();
      const measured = passes.get('palisade_info') ?? [];
      const expectedLines = measured.reduce((sum, one) => sum + one.load.requests + one.load.warmupRequests, 0) + 1; // + the sanity check
      auditLog = { lines: countLines(auditCount.logPath) - auditCount.linesBefore, expectedLines, bytesPerRequest: (statSync(auditCount.logPath).size - auditCount.bytesBefore) / Math.max(1, expectedLines) };
    }

    const results: ScenarioResult[] = [];
    for (const target of targets) {
      let openLoop: ScenarioResult['openLoop'];
      if (SETTINGS.openLoopSeconds > 0) {
        log(`  open loop ${SETTINGS.openLoopRate}/s: ${target.label} ...`);
        openLoop = await openLoopOf(target, echo);
        log(`    p50 ${openLoop.latencyMs.p50.toFixed(2)} p99 ${openLoop.latencyMs.p99.toFixed(2)} ms${openLoop.sustained ? '' : ' NOT SUSTAINED'} (load generator late by p99 ${openLoop.sendLagMs.p99.toFixed(2)} ms)`);
      }
      results.push(summarize(target, passes.get(target.id) ?? [], openLoop));
    }
    await Promise.all(stops.map((stop) => stop()));

    // New connection per request, EC and RSA server (and client) certificates.
    const handshakes: HandshakeResult[] = [];
    if (SETTINGS.handshakeSeconds > 0) {
      for (const keyType of ['ec', 'rsa'] as const) {
        const ids = ['nginx', 'bare_node', 'palisade'].map((who) => `handshake_${keyType}_${who}`);
        if (!ids.some(wanted)) continue;
        const pki = keyType === 'ec' ? ec : await makePki(join(dir, 'pki-rsa'), 'rsa-2048');
        const measureHandshakes = async (fullId: string, fullLabel: string, child: Child, port: number) => {
          const [id, label] = SETTINGS.handshakeResume ? [`${fullId}_resumed`, `${fullLabel}, resumed`] : [fullId, fullLabel];
          log(`  ${label}, new connection per request (${keyType.toUpperCase()}) ...`);
          const before = { proxy: 0, app: 0 };
          const used = { proxy: Number.NaN, app: Number.NaN };
          const result = await runHandshakeLoad({
            port,
            path: PATH,
            tls: pki.clientTls,
            concurrency: SETTINGS.handshakeConcurrency,
            warmupMs: SETTINGS.handshakeWarmupSeconds * 1000,
            durationMs: SETTINGS.handshakeSeconds * 1000,
            maxRequests: SETTINGS.maxRequests,
            resume: SETTINGS.handshakeResume,
            onMeasureStart: () => {
              before.proxy = cpuMicros(child.pid);
              before.app = cpuMicros(echo.pid);
            },
            onMeasureEnd: () => {
              used.proxy = cpuMicros(child.pid) - before.proxy;
              used.app = cpuMicros(echo.pid) - before.app;
            },
          });
          const perConnection = result.requests ? used.proxy / result.requests : Number.NaN;
          handshakes.push({ id, label, keyType, load: result, proxyCpuMicrosPerRequest: perConnection, appCpuMicrosPerRequest: result.requests ? used.app / result.requests : Number.NaN, peakRssBytes: peakRssBytes(child.pid) });
          log(
            `    ${result.requests} connections, ${result.rps.toFixed(0)}/s, proxy ${perConnection.toFixed(0)} µs each` +
              (SETTINGS.handshakeResume ? `, ${result.resumed} of ${result.ok} resumed` : '') +
              (result.failed ? `, FAILURES ${result.failed}: ${result.firstFailure}` : ''),
          );
        };
        if (wanted(`handshake_${keyType}_nginx`)) {
          const started = await native(`handshake_${keyType}_nginx`, 'nginx', nginx, nginxCommand, pki, `nginx-hs-${keyType}`);
          if (started) {
            await sanityCheck(`https://127.0.0.1:${started.port}`, pki.clientTls, 'Hash=');
            await measureHandshakes(`handshake_${keyType}_nginx`, 'nginx', started.child, started.port);
            await started.child.stop();
          }
        }
        if (wanted(`handshake_${keyType}_bare_node`)) {
          const bare = await startBare(dir, pki, echoPort, `bare-hs-${keyType}`);
          track(bare.child);
          await sanityCheck(`https://127.0.0.1:${bare.port}`, pki.clientTls, CLIENT_ID);
          await measureHandshakes(`handshake_${keyType}_bare_node`, 'bare Node proxy', bare.child, bare.port);
          await bare.child.stop();
        }
        // With a baseline build, it runs right after this one (one at a time: a handshake run
        // keeps the load generator's core busy, so two at once would measure the client).
        for (const build of wanted(`handshake_${keyType}_palisade`) ? builds : []) {
          const { sidecar, port } = await startSidecar(dir, 'warn', echoPort, pki, { tag: `hs-${keyType}${build.suffix}`, dist: build.dist });
          track(sidecar);
          await sanityCheck(`https://127.0.0.1:${port}`, pki.clientTls, CLIENT_ID);
          await measureHandshakes(`handshake_${keyType}_palisade${build.suffix}`, `Palisade${build.label}`, sidecar, port);
          await sidecar.stop();
        }
      }
    }

    const loadAfter = loadavg();
    const report = buildReport({
      settings: { ...SETTINGS, path: PATH, only: [...ONLY] },
      environment: {
        node: process.version,
        platform: `${process.platform}/${process.arch}`,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        pinned: PINNED,
        pinning: PINNED ? `proxy and app on CPU ${SERVER_CPU}, load generator on CPU ${LOADGEN_CPU} (taskset)` : 'not pinned: all processes share all CPUs',
        loadavgBefore: loadBefore,
        loadavgAfter: loadAfter,
        clkTck: clkTck(),
      },
      version: VERSION,
      primitives,
      scenarios: results,
      handshakes,
      ...(auditLog ? { auditLog } : {}),
    });
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(renderTable(report));
    if (process.env['BENCH_CPU_PROF']) printProfiles(resolve(process.env['BENCH_CPU_PROF']), runStarted);
    process.stdout.write(`\nJSON: ${relative(process.cwd(), OUT) || OUT}\n`);

    const failures = [
      ...results.filter((r) => r.load.errors + r.load.non2xx + r.load.warmupFailures > 0 || (r.openLoop?.failed ?? 0) > 0).map((r) => `${r.label}: ${r.load.firstFailure ?? r.openLoop?.firstFailure ?? '?'}`),
      ...handshakes.filter((h) => h.load.failed > 0).map((h) => `${h.label} (${h.keyType}, new connections): ${h.load.failed} failed; first: ${h.load.firstFailure ?? '?'}`),
    ];
    for (const failure of failures) process.stderr.write(`FAILED: ${failure}\n`);
    return failures.length > 0 ? 1 : 0;
  } finally {
    await Promise.all(children.map((child) => child.stop().catch(() => undefined)));
    killAllSync();
    removeTempDir();
  }
}

async function startBare(dir: string, pki: Pki, appPort: number, tag: string, script = 'bare-proxy.js', mode?: string): Promise<{ child: Child; port: number }> {
  const profile = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env['BENCH_CPU_PROF'])}`, `--cpu-prof-name=${tag}.cpuprofile`] : [];
  const child = spawnNode(tag, [...profile, join(DIST, 'bench', script), pki.server.cert, pki.server.key, pki.ca, String(appPort), ...(mode ? [mode] : [])], {
    stdout: 'line',
    stderrPath: join(dir, `${tag}.stderr`),
    cpu: serverCpu,
  });
  const port = Number((await withTimeout(child.firstJson, STARTUP_TIMEOUT_MS, 'bare proxy start')).port);
  return { child, port };
}

interface SidecarExtra {
  /** The build to run (default: this checkout's dist/). */
  dist?: string;
  tokens?: Record<string, unknown>;
  signatures?: Record<string, unknown>;
  tag?: string;
}

async function startSidecar(dir: string, level: 'warn' | 'info', appPort: number, pki: Pki, extra: SidecarExtra = {}): Promise<{ sidecar: Child; port: number; logPath: string }> {
  const tag = extra.tag ?? level;
  // A port picked here could be taken before the sidecar binds it: try a few times.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const adminPort = await freePort();
    const configPath = join(dir, `sidecar-${tag}.yaml`);
    writeFileSync(
      configPath,
      stringify({
        mode: 'enforce',
        drainTimeoutMs: 1_000,
        admin: { address: '127.0.0.1', port: adminPort },
        log: { level },
        inbound: [
          {
            name: 'bench',
            address: '127.0.0.1',
            port,
            tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca },
            upstream: { url: `http://127.0.0.1:${appPort}` },
            routes: [{ name: 'echo', path: '/**', allow: [CLIENT_ID], ...(extra.tokens ? { scopes: { allOf: ['bench:echo'] } } : {}), ...(extra.signatures ? { signature: {} } : {}) }],
            ...(extra.tokens ? { tokens: extra.tokens } : {}),
            ...(extra.signatures ? { signatures: extra.signatures } : {}),
          },
        ],
      }),
    );
    // stdout (the audit log at info) goes to a file, as a container runtime would take it,
    // not through a pipe this process would have to drain.
    const logPath = join(dir, `sidecar-${tag}.log`);
    writeFileSync(logPath, '');
    // BENCH_CPU_PROF=DIR writes a V8 CPU profile of each sidecar run there (open it in Chrome DevTools).
    const profile = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env['BENCH_CPU_PROF'])}`, `--cpu-prof-name=sidecar-${tag}.cpuprofile`] : [];
    // The Node flags the image starts the sidecar with (src/cli/node-flags.ts), unless overridden for the baseline build.
    const nodeFlags = extra.dist !== undefined && extra.dist !== DIST && BASELINE_NODE_FLAGS !== undefined ? BASELINE_NODE_FLAGS : SIDECAR_NODE_FLAGS;
    const sidecar = spawnNode(`sidecar (${tag})`, [...nodeFlags, ...profile, join(extra.dist ?? DIST, 'src', 'cli', 'main.js'), 'run', '-c', configPath], {
      stdout: logPath,
      stderrPath: join(dir, `sidecar-${tag}.stderr`),
      cpu: serverCpu,
    });
    try {
      await waitForHttp200(sidecar, adminPort, '/readyz', STARTUP_TIMEOUT_MS);
      return { sidecar, port, logPath };
    } catch (error) {
      await sidecar.stop();
      if (attempt >= 3) throw error;
      log(`    sidecar did not start (attempt ${attempt}), retrying with other ports: ${(error as Error).message.split('\n')[0]}`);
    }
  }
}

/** Where each profiled process spent its CPU (profile-summary.ts), for the profiles this run wrote. */
function printProfiles(profileDir: string, since: number): void {
  const files = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile') && statSync(join(profileDir, name)).mtimeMs >= since);
  if (files.length === 0) return;
  process.stdout.write(`\nCPU profiles in ${profileDir} (whole process life, start-up included; profile-summary.js --from S skips the start):\n`);
  for (const name of files.sort()) {
    const profile = JSON.parse(readFileSync(join(profileDir, name), 'utf8')) as Parameters<typeof summarizeProfile>[0];
    process.stdout.write(renderProfileSummary(name, summarizeProfile(profile, 12)));
  }
}

/** One request before the load: the target answers 200 with the echo body, and the app saw the caller. */
async function sanityCheck(origin: string, tls: ClientTls | undefined, expectPeer: string | undefined, headers?: Record<string, string>): Promise<void> {
  const dispatcher = new Agent({ connect: tls ? { ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.servername } : {} });
  try {
    const response = await undiciRequest(`${origin}${PATH}`, { dispatcher, headersTimeout: 5_000, bodyTimeout: 5_000, ...(headers ? { headers } : {}) });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`sanity check ${origin}${PATH}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { app?: string; peer?: string | null };
    if (body.app !== 'echo') throw new Error(`sanity check ${origin}: not the echo body: ${text.slice(0, 300)}`);
    if (expectPeer && !body.peer?.includes(expectPeer)) throw new Error(`sanity check ${origin}: the app did not see the caller (${expectPeer}): ${text.slice(0, 300)}`);
  } finally {
    await dispatcher.close();
  }
}

function settle(ms = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function countLines(path: string): number {
  const data = readFileSync(path);
  let lines = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines += 1;
  return lines;
}

// Bounded, and nothing left behind: a watchdog, signals, and a last-resort kill on exit.
process.on('exit', () => {
  killAllSync();
  removeTempDir();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`palisade bench: ${signal}, stopping\n`);
    killAllSync();
    process.exit(130);
  });
}
const watchdog = setTimeout(() => {
  process.stderr.write(`palisade bench: still running after ${Math.round(WATCHDOG_MS / 1000)} s; giving up\n`);
  killAllSync();
  process.exit(1);
}, WATCHDOG_MS);

main().then(
  (code) => {
    clearTimeout(watchdog);
    process.exit(code);
  },
  (error: unknown) => {
    clearTimeout(watchdog);
    process.stderr.write(`palisade bench: ${(error as Error).stack ?? String(error)}\n`);
    killAllSync();
    process.exit(1);
  },
);
