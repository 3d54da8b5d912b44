// npm run bench: what does the sidecar cost compared with a direct mTLS call?
//
// Separate processes, all on 127.0.0.1, so the load generator (this process) does not share an
// event loop with what it measures:
//   echo app      node dist/bench/echo-server.js        plain HTTP, the demo echo app
//   direct mTLS   node dist/bench/direct-server.js      the app terminating mTLS itself (baseline)
//   sidecar       node dist/src/cli/main.js run -c F    mTLS → policy → keep-alive pool → echo app
//
// Scenarios, one after another: direct mTLS; sidecar (log warn); sidecar (log info: the
// production default, one audit line per request); sidecar + token (log warn: a bearer token
// verified against a JWKS file, route scopes, least privilege; with the verified-token cache and
// without it); sidecar + signature (log warn: every request carries a fresh RFC 9421 Ed25519
// signature with a nonce, made by the load generator, verified by the sidecar); plain HTTP
// straight to the echo app.
//
// Environment: BENCH_SECONDS (5), BENCH_WARMUP_SECONDS (2), BENCH_CONCURRENCY (32),
// BENCH_MAX_REQUESTS (1000000), BENCH_OUT (reports/bench.json).
// Prints a table and writes JSON; exits 1 if any scenario had an error or a non-2xx answer.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request as undiciRequest, Agent } from 'undici';
import { stringify } from 'yaml';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { certsInit } from '../src/cli/certs.js';
import { signRequestHeaders } from '../src/cli/sign.js';
import { VERSION } from '../src/version.js';
import { runLoad, type ClientTls, type LoadResult } from './load.js';
import { clkTck, cpuMicros, freePort, killAllSync, spawnNode, waitForHttp200, withTimeout, type Child } from './procs.js';

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

const SETTINGS = {
  seconds: envNumber('BENCH_SECONDS', 5, { min: 0.1 }),
  // Two seconds: a fresh sidecar is still JIT-warming for about 1.5 s under this load.
  warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 2),
  concurrency: envNumber('BENCH_CONCURRENCY', 32, { integer: true, min: 1 }),
  maxRequests: envNumber('BENCH_MAX_REQUESTS', 1_000_000, { integer: true, min: 1 }),
};
const OUT = resolve(ROOT, process.env['BENCH_OUT'] ?? 'reports/bench.json');
const STARTUP_TIMEOUT_MS = 15_000;
// Seven scenarios plus start-up and shutdown; past this the run is stuck, not slow.
const WATCHDOG_MS = 7 * (SETTINGS.seconds + SETTINGS.warmupSeconds) * 1000 + 120_000;

interface CpuPerRequest {
  /** The sidecar process (sidecar scenarios only). */
  sidecar?: number;
  /** The process answering: the echo app, or for direct mTLS the TLS-terminating app. */
  app: number;
  /** Sum of the server-side processes. */
  serverTotal: number;
  /** This process: the load generator, for scale (it shares the machine's cores). */
  loadgen: number;
}

/** Share of one core each process was busy during the measured window, in percent. */
interface CpuUtilization {
  sidecar?: number;
  app: number;
  loadgen: number;
}

interface ScenarioResult {
  readonly id: string;
  readonly label: string;
  readonly target: string;
  readonly load: LoadResult;
  readonly cpuMicrosPerRequest: CpuPerRequest;
  readonly cpuPercentOfCore: CpuUtilization;
  readonly auditLog?: { lines: number; expectedLines: number; bytes: number; bytesPerRequest: number };
}

const log = (line = '') => process.stderr.write(`${line}\n`);

let tempDir: string | undefined;

function removeTempDir(): void {
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-bench-'));
  tempDir = dir;
  const children: Child[] = [];
  const track = (child: Child) => (children.push(child), child);
  try {
    log(`palisade bench: ${SETTINGS.seconds}s per scenario after ${SETTINGS.warmupSeconds}s warm-up, ${SETTINGS.concurrency} in flight, at most ${SETTINGS.maxRequests} requests`);
    const certs = await certsInit({
      out: dir,
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
    const clientTls: ClientTls = {
      ca: readFileSync(certs.ca),
      cert: readFileSync(client.cert),
      key: readFileSync(client.key),
      servername: 'localhost',
    };

    // The echo app serves the sidecar scenarios and the plain HTTP reference.
    const echo = track(spawnNode('echo app', [join(DIST, 'bench', 'echo-server.js')], { stdout: 'line', stderrPath: join(dir, 'echo.stderr') }));
    const echoPort = Number((await withTimeout(echo.firstJson, STARTUP_TIMEOUT_MS, 'echo app start')).port);

    const results: ScenarioResult[] = [];
    const measure = async (
      id: string,
      label: string,
      origin: string,
      tls: ClientTls | undefined,
      processes: { sidecar?: Child; app: Child },
      headers?: Record<string, string>,
      headersFor?: () => Record<string, string>,
    ) => {
      log(`  ${label}: ${origin} ...`);
      const before: Record<string, number> = {};
      const used: Record<string, number> = {};
      const entries = Object.entries(processes) as Array<[string, Child]>;
      const load = await runLoad({
        origin,
        path: PATH,
        ...(tls ? { tls } : {}),
        ...(headers ? { headers } : {}),
        ...(headersFor ? { headersFor } : {}),
        concurrency: SETTINGS.concurrency,
        warmupMs: SETTINGS.warmupSeconds * 1000,
        durationMs: SETTINGS.seconds * 1000,
        maxRequests: SETTINGS.maxRequests,
        onMeasureStart: () => {
          for (const [role, child] of entries) before[role] = cpuMicros(child.pid);
        },
        onMeasureEnd: () => {
          for (const [role, child] of entries) used[role] = cpuMicros(child.pid) - (before[role] ?? 0);
        },
      });
      const per = (micros: number | undefined) => (micros === undefined || load.requests === 0 ? Number.NaN : micros / load.requests);
      const cpu: CpuPerRequest = {
        ...(processes.sidecar ? { sidecar: per(used['sidecar']) } : {}),
        app: per(used['app']),
        serverTotal: per((used['sidecar'] ?? 0) + (used['app'] ?? 0)),
        loadgen: per(load.loadgenCpuMicros),
      };
      const busy = (micros: number | undefined) => (micros === undefined ? Number.NaN : (micros / (load.seconds * 1e6)) * 100);
      const utilization: CpuUtilization = {
        ...(processes.sidecar ? { sidecar: busy(used['sidecar']) } : {}),
        app: busy(used['app']),
        loadgen: busy(load.loadgenCpuMicros),
      };
      const result: ScenarioResult = {
        id,
        label,
        target: origin,
        load,
        cpuMicrosPerRequest: cpu,
        cpuPercentOfCore: utilization,
      };
      results.push(result);
      log(`    ${load.requests} requests, ${load.rps.toFixed(0)} req/s, p50 ${load.latencyMs.p50.toFixed(2)} ms, p99 ${load.latencyMs.p99.toFixed(2)} ms, failures ${load.errors + load.non2xx + load.warmupFailures}`);
      return result;
    };

    // 1. Direct mTLS: the app terminates TLS itself.
    {
      const direct = track(
        spawnNode('direct mTLS server', [join(DIST, 'bench', 'direct-server.js'), server.cert, server.key, certs.ca], {
          stdout: 'line',
          stderrPath: join(dir, 'direct.stderr'),
        }),
      );
      const port = Number((await withTimeout(direct.firstJson, STARTUP_TIMEOUT_MS, 'direct mTLS server start')).port);
      const origin = `https://127.0.0.1:${port}`;
      await sanityCheck(origin, clientTls, null);
      await measure('direct_mtls', 'direct mTLS (app terminates TLS)', origin, clientTls, { app: direct });
      await direct.stop();
    }

    // 2 and 3. The sidecar in front of the echo app, audit logging off (warn) and on (info).
    for (const level of ['warn', 'info'] as const) {
      const { sidecar, port, logPath } = await startSidecar(dir, level, echoPort, { cert: server.cert, key: server.key, ca: certs.ca });
      track(sidecar);
      const origin = `https://127.0.0.1:${port}`;
      await sanityCheck(origin, clientTls, CLIENT_ID);
      // The sidecar writes a request's audit line after the response: let the last one land.
      await settle();
      const logBytesBefore = statSync(logPath).size;
      const linesBefore = countLines(logPath);
      const result = await measure(`sidecar_${level}`, `sidecar, log ${level}`, origin, clientTls, { sidecar, app: echo });
      if (level === 'info') {
        await settle();
        // Lines written during warm-up and the window: one audit line per request is expected.
        const lines = countLines(logPath) - linesBefore;
        const bytes = statSync(logPath).size - logBytesBefore;
        const expectedLines = result.load.requests + result.load.warmupRequests;
        results[results.length - 1] = { ...result, auditLog: { lines, expectedLines, bytes, bytesPerRequest: expectedLines ? bytes / expectedLines : Number.NaN } };
      }
      await sidecar.stop();
    }

    // 4 and 5. Sidecar + token (issue 4): an ES256 bearer token from a JWKS file, a route scope and
    // least privilege, with the verified-token cache (the default) and without it.
    {
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
      for (const cache of [true, false]) {
        const tokens = {
          issuers: [{ name: 'bench', issuer: 'https://issuer.bench.palisade.local', audiences: [SERVER_ID], algorithms: ['ES256'], jwks: jwksPath }],
          cache: { maxEntries: cache ? 10_000 : 0 },
        };
        const { sidecar, port } = await startSidecar(dir, 'warn', echoPort, { cert: server.cert, key: server.key, ca: certs.ca }, { tokens, tag: cache ? 'token' : 'token-nocache' });
        track(sidecar);
        const origin = `https://127.0.0.1:${port}`;
        const headers = { authorization: `Bearer ${token}` };
        await sanityCheck(origin, clientTls, CLIENT_ID, headers);
        await measure(cache ? 'sidecar_token' : 'sidecar_token_nocache', cache ? 'sidecar + token, log warn' : 'sidecar + token, no cache', origin, clientTls, { sidecar, app: echo }, headers);
        await sidecar.stop();
      }
    }

    // 6. Sidecar + signature (issue 5): an Ed25519 key registered for the client identity; the
    // load generator signs each request (@method, @target-uri, created, a fresh nonce), so every
    // request is a new signature verified in full and remembered in the replay cache.
    {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      writeFileSync(join(dir, 'bench-sig.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }) as string);
      const signatures = { keys: [{ keyid: 'bench', algorithm: 'ed25519', identity: CLIENT_ID, key: join(dir, 'bench-sig.pub.pem') }] };
      const { sidecar, port } = await startSidecar(dir, 'warn', echoPort, { cert: server.cert, key: server.key, ca: certs.ca }, { signatures, tag: 'signature' });
      track(sidecar);
      const origin = `https://127.0.0.1:${port}`;
      const headersFor = () => Object.fromEntries(signRequestHeaders({ key: privateKey, algorithm: 'ed25519', keyid: 'bench', url: `${origin}${PATH}` }));
      await sanityCheck(origin, clientTls, CLIENT_ID, headersFor());
      await measure('sidecar_signature', 'sidecar + signature, log warn', origin, clientTls, { sidecar, app: echo }, undefined, headersFor);
      await sidecar.stop();
    }

    // 7. Plain HTTP straight to the echo app: the floor, no TLS at all.
    {
      const origin = `http://127.0.0.1:${echoPort}`;
      await sanityCheck(origin, undefined, null);
      await measure('plain_http', 'plain HTTP to the app (reference)', origin, undefined, { app: echo });
    }

    const report = buildReport(results);
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(renderTable(results, report.ratios));
    process.stdout.write(`\nJSON: ${relative(process.cwd(), OUT) || OUT}\n`);

    const failed = results.filter((r) => r.load.errors + r.load.non2xx + r.load.warmupFailures > 0);
    if (failed.length > 0) {
      for (const r of failed) {
        process.stderr.write(
          `FAILED: ${r.label}: ${r.load.errors} errors, ${r.load.non2xx} non-2xx, ${r.load.warmupFailures} warm-up failures; first: ${r.load.firstFailure ?? '?'}\n`,
        );
      }
      return 1;
    }
    return 0;
  } finally {
    await Promise.all(children.map((child) => child.stop().catch(() => undefined)));
    killAllSync();
    removeTempDir();
  }
}

async function startSidecar(
  dir: string,
  level: 'warn' | 'info',
  appPort: number,
  tls: { cert: string; key: string; ca: string },
  extra: { tokens?: Record<string, unknown>; signatures?: Record<string, unknown>; tag?: string } = {},
): Promise<{ sidecar: Child; port: number; logPath: string }> {
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
            tls: { cert: tls.cert, key: tls.key, clientCa: tls.ca },
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
    const sidecar = spawnNode(`sidecar (log ${level})`, [...profile, join(DIST, 'src', 'cli', 'main.js'), 'run', '-c', configPath], {
      stdout: logPath,
      stderrPath: join(dir, `sidecar-${tag}.stderr`),
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

/** One request before the load: the target answers 200 with the echo body (and, through the sidecar, the peer's identity). */
async function sanityCheck(origin: string, tls: ClientTls | undefined, expectPeer: string | null, headers?: Record<string, string>): Promise<void> {
  const dispatcher = new Agent({ connect: tls ? { ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.servername } : {} });
  try {
    const response = await undiciRequest(`${origin}${PATH}`, { dispatcher, headersTimeout: 5_000, bodyTimeout: 5_000, ...(headers ? { headers } : {}) });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`sanity check ${origin}${PATH}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { app?: string; peer?: string | null };
    if (body.app !== 'echo') throw new Error(`sanity check ${origin}: not the echo body: ${text.slice(0, 300)}`);
    if (expectPeer && !body.peer?.includes(expectPeer)) throw new Error(`sanity check ${origin}: the app did not see the peer identity: ${text.slice(0, 300)}`);
  } finally {
    await dispatcher.close();
  }
}

function settle(ms = 200): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function countLines(path: string): number {
  const data = readFileSync(path);
  let lines = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) lines += 1;
  return lines;
}

interface Ratios {
  readonly [versus: string]: { rps: number; p50: number; p99: number; serverCpuPerRequest: number };
}

function buildReport(results: ScenarioResult[]) {
  const byId = new Map(results.map((r) => [r.id, r]));
  const direct = byId.get('direct_mtls');
  const ratios: Record<string, { rps: number; p50: number; p99: number; serverCpuPerRequest: number }> = {};
  for (const id of ['sidecar_warn', 'sidecar_info', 'sidecar_token', 'sidecar_token_nocache', 'sidecar_signature']) {
    const r = byId.get(id);
    if (!r || !direct) continue;
    ratios[`${id}_vs_direct_mtls`] = {
      rps: r.load.rps / direct.load.rps,
      p50: r.load.latencyMs.p50 / direct.load.latencyMs.p50,
      p99: r.load.latencyMs.p99 / direct.load.latencyMs.p99,
      serverCpuPerRequest: r.cpuMicrosPerRequest.serverTotal / direct.cpuMicrosPerRequest.serverTotal,
    };
  }
  const cpuInfo = cpus();
  return {
    tool: 'palisade bench',
    palisadeVersion: VERSION,
    date: new Date().toISOString(),
    environment: {
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
      cpus: cpuInfo.length,
      cpuModel: cpuInfo[0]?.model ?? 'unknown',
      loadavgAtEnd: loadavg(),
      clkTck: clkTck(),
      note: 'load generator, sidecar and app share the same cores; CPU per request is from /proc/PID/stat (utime+stime) over the measured window',
    },
    settings: { ...SETTINGS, path: PATH, pipelining: 1, connections: SETTINGS.concurrency },
    scenarios: results.map((r) => ({
      id: r.id,
      label: r.label,
      target: r.target,
      requests: r.load.requests,
      seconds: r.load.seconds,
      rps: r.load.rps,
      latencyMs: r.load.latencyMs,
      ok: r.load.ok,
      errors: r.load.errors,
      non2xx: r.load.non2xx,
      statuses: r.load.statuses,
      warmupRequests: r.load.warmupRequests,
      warmupFailures: r.load.warmupFailures,
      cappedByCount: r.load.cappedByCount,
      ...(r.load.firstFailure ? { firstFailure: r.load.firstFailure } : {}),
      cpuMicrosPerRequest: r.cpuMicrosPerRequest,
      cpuPercentOfCore: r.cpuPercentOfCore,
      // The last bucket is partial (the window's end plus the in-flight tail).
      timeline: r.load.timeline,
      ...(r.auditLog ? { auditLog: r.auditLog } : {}),
    })),
    ratios: ratios as Ratios,
  };
}

function renderTable(results: ScenarioResult[], ratios: Ratios): string {
  const num = (value: number | undefined, digits = 0) => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));
  const header = ['scenario', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'err/non2xx', 'sidecar µs/req', 'app µs/req', 'server µs/req', 'loadgen µs/req', 'busy% sc/app/lg'];
  const rows = results.map((r) => [
    r.label,
    String(r.load.requests),
    num(r.load.rps),
    num(r.load.latencyMs.p50, 2),
    num(r.load.latencyMs.p99, 2),
    `${r.load.errors}/${r.load.non2xx}`,
    num(r.cpuMicrosPerRequest.sidecar),
    num(r.cpuMicrosPerRequest.app),
    num(r.cpuMicrosPerRequest.serverTotal),
    num(r.cpuMicrosPerRequest.loadgen),
    [r.cpuPercentOfCore.sidecar, r.cpuPercentOfCore.app, r.cpuPercentOfCore.loadgen].map((value) => num(value)).join('/'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const out: string[] = [];
  out.push('');
  out.push(
    `Palisade ${VERSION} bench: ${SETTINGS.seconds}s per scenario (+${SETTINGS.warmupSeconds}s warm-up), ${SETTINGS.concurrency} in flight over ${SETTINGS.concurrency} keep-alive connections, GET ${PATH}`,
  );
  out.push(`node ${process.version}, ${cpus().length} CPUs (load generator, sidecar and app share them)`);
  out.push('');
  out.push(line(header));
  out.push(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) out.push(line(row));
  out.push('');
  out.push('µs/req: CPU time (user+sys) of that process over the measured window, per request. app = the echo app,');
  out.push('or for direct mTLS the app that terminates TLS itself. server = sidecar + app. busy% = share of one core');
  out.push('used by sidecar/app/load generator in the window: near 100 marks the process that set the pace.');
  const info = results.find((r) => r.auditLog);
  if (info?.auditLog) {
    out.push(`audit log (log info): ${info.auditLog.lines} lines for ${info.auditLog.expectedLines} requests (warm-up included), ${num(info.auditLog.bytesPerRequest)} bytes per request`);
  }
  out.push('');
  out.push('Ratios, sidecar vs direct mTLS (req/s: lower is worse; latency and CPU: higher is worse):');
  for (const [name, ratio] of Object.entries(ratios)) {
    out.push(`  ${name.replace(/_vs_direct_mtls$/, '').padEnd(22)} req/s x${num(ratio.rps, 2)}   p50 x${num(ratio.p50, 2)}   p99 x${num(ratio.p99, 2)}   server CPU/req x${num(ratio.serverCpuPerRequest, 2)}`);
  }
  return `${out.join('\n')}\n`;
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
