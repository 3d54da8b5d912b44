// The bench's report: JSON for machines, and one screen for people with the goal ratios, each
// computed from scenarios of the same run (never against a figure from another day).
import type { HandshakeLoadResult } from './handshakes.js';
import type { LoadResult } from './load.js';
import type { OpenLoopResult } from './open-loop.js';
import type { PrimitiveCosts } from './primitives.js';

export interface ScenarioResult {
  readonly id: string;
  readonly label: string;
  /** reference: straight to the app; native: nginx/haproxy; bare: Node + undici; palisade. */
  readonly kind: 'reference' | 'native' | 'bare' | 'palisade';
  readonly target: string;
  readonly load: LoadResult;
  /** CPU time (user + system, from /proc) per request over the closed-loop window, in µs: the median over the passes. */
  readonly cpuMicrosPerRequest: { proxy?: number; app: number; loadgen: number };
  /** Every closed-loop pass (`load` is the median one). */
  readonly passes: ReadonlyArray<{ requests: number; rps: number; cpuMicrosPerRequest: Record<string, number> }>;
  /** Share of one core the proxy used in the closed-loop window: near 100 means it set the pace. */
  readonly proxyBusyPercent: number;
  readonly openLoop?: OpenLoopResult & { proxyCpuMicrosPerRequest: number };
  /** VmHWM of the proxy process after its closed and open loops. */
  readonly peakRssBytes?: number;
}

export interface HandshakeResult {
  readonly id: string;
  readonly label: string;
  readonly keyType: 'ec' | 'rsa';
  readonly load: HandshakeLoadResult;
  readonly proxyCpuMicrosPerRequest: number;
  readonly appCpuMicrosPerRequest: number;
  readonly peakRssBytes: number;
}

export interface Goal {
  readonly id: string;
  readonly description: string;
  readonly value: number;
  readonly unit: string;
  readonly target: string;
  /** undefined when a scenario it needs did not run. */
  readonly met: boolean | undefined;
}

export interface ReportInput {
  readonly settings: Record<string, unknown>;
  readonly environment: Record<string, unknown> & { pinned: boolean; pinning: string; loadavgBefore: number[]; loadavgAfter: number[] };
  readonly version: string;
  readonly primitives: PrimitiveCosts;
  readonly scenarios: ScenarioResult[];
  readonly handshakes: HandshakeResult[];
  readonly auditLog?: { lines: number; expectedLines: number; bytesPerRequest: number };
}

const MIB = 1024 * 1024;

function goals(input: ReportInput): Goal[] {
  const s = new Map(input.scenarios.map((r) => [r.id, r]));
  const cpu = (id: string) => s.get(id)?.cpuMicrosPerRequest.proxy ?? Number.NaN;
  const p50 = (id: string) => s.get(id)?.openLoop?.latencyMs.p50 ?? Number.NaN;
  const hs = (id: string) => input.handshakes.find((h) => h.id === id)?.proxyCpuMicrosPerRequest ?? Number.NaN;
  const atLeast = (value: number, min: number) => (Number.isNaN(value) ? undefined : value >= min);
  const atMost = (value: number, max: number) => (Number.isNaN(value) ? undefined : value <= max);
  const transport = cpu('palisade_warn');
  const out: Goal[] = [];
  const add = (id: string, description: string, value: number, unit: string, target: string, met: boolean | undefined) => out.push({ id, description, value, unit, target, met });
  add('transport_per_core_vs_nginx', 'transport: requests per core vs nginx (nginx CPU/req ÷ Palisade CPU/req)', cpu('nginx') / transport, 'x', '>= 0.60', atLeast(cpu('nginx') / transport, 0.6));
  add('audit_info_over_transport', 'audit at info: added CPU/req over transport', cpu('palisade_info') / transport - 1, '%', '<= 15%', atMost(cpu('palisade_info') / transport - 1, 0.15));
  add('token_hit_over_transport', 'token, cache hit: added CPU/req over transport', cpu('palisade_token') / transport - 1, '%', '<= 10%', atMost(cpu('palisade_token') / transport - 1, 0.1));
  const miss = (cpu('palisade_token_nocache') - transport) / input.primitives.es256VerifyMicros;
  add('token_miss_added_vs_verify', 'token, cache miss: added CPU/req ÷ one bare ES256 crypto.verify', miss, 'x', '<= 1.25', atMost(miss, 1.25));
  const sig = (cpu('palisade_signature') - transport) / input.primitives.ed25519VerifyMicros;
  add('signature_added_vs_verify', 'ed25519 signature: added CPU/req ÷ one bare ed25519 verify', sig, 'x', '<= 1.25', atMost(sig, 1.25));
  const sigP256 = (cpu('palisade_signature_p256') - transport) / input.primitives.es256VerifyMicros;
  add('signature_p256_added_vs_verify', 'ECDSA P-256 signature: added CPU/req ÷ one bare P-256 (ES256) crypto.verify', sigP256, 'x', '<= 1.25', atMost(sigP256, 1.25));
  for (const keyType of ['ec', 'rsa'] as const) {
    const ratio = hs(`handshake_${keyType}_nginx`) / hs(`handshake_${keyType}_palisade`);
    add(`handshakes_${keyType}_per_core_vs_nginx`, `new mTLS connection per request, ${keyType.toUpperCase()}: handshakes per core vs nginx`, ratio, 'x', '>= 0.80', atLeast(ratio, 0.8));
  }
  const rate = String(input.settings['openLoopRate'] ?? '?');
  const addedTransport = p50('palisade_warn') - p50('nginx');
  add('open_p50_added_transport_vs_nginx', `open loop ${rate}/s: p50 of transport minus nginx's`, addedTransport, 'ms', '<= 0.10 ms', atMost(addedTransport, 0.1));
  const addedAll = p50('palisade_all') - p50('nginx');
  add('open_p50_added_all_checks_vs_nginx', `open loop ${rate}/s: p50 with token + signature + audit minus nginx's`, addedAll, 'ms', '<= 0.30 ms', atMost(addedAll, 0.3));
  const p99 = s.get('palisade_warn')?.openLoop?.latencyMs.p99 ?? Number.NaN;
  add('open_p99_transport', `open loop ${rate}/s: p99 of transport`, p99, 'ms', '<= 2 ms', atMost(p99, 2));
  const palisadeOpen = input.scenarios.filter((r) => r.kind === 'palisade' && r.openLoop && !r.id.endsWith('_baseline'));
  const unsustained = palisadeOpen.filter((r) => !r.openLoop?.sustained).length;
  add('open_all_sustained', `open loop ${rate}/s: Palisade scenarios that did NOT sustain the rate`, palisadeOpen.length ? unsustained : Number.NaN, '', '0', palisadeOpen.length ? unsustained === 0 : undefined);
  const rss = Math.max(...input.scenarios.filter((r) => r.kind === 'palisade' && !r.id.endsWith('_baseline')).map((r) => r.peakRssBytes ?? Number.NaN), ...input.handshakes.filter((h) => h.id.endsWith('_palisade')).map((h) => h.peakRssBytes));
  const rssMib = Number.isFinite(rss) ? rss / MIB : Number.NaN;
  add('rss_peak_palisade', 'peak RSS of Palisade under load (largest scenario)', rssMib, 'MiB', '<= 100 MiB', atMost(rssMib, 100));
  return out;
}

export function buildReport(input: ReportInput) {
  const s = new Map(input.scenarios.map((r) => [r.id, r]));
  const nginx = s.get('nginx')?.cpuMicrosPerRequest.proxy;
  const direct = s.get('plain_http')?.openLoop?.latencyMs.p50;
  return {
    tool: 'palisade bench',
    palisadeVersion: input.version,
    date: new Date().toISOString(),
    environment: input.environment,
    settings: input.settings,
    primitives: input.primitives,
    scenarios: input.scenarios.map((r) => ({
      ...r,
      perCoreVsNginx: nginx !== undefined && r.cpuMicrosPerRequest.proxy !== undefined ? nginx / r.cpuMicrosPerRequest.proxy : null,
      openLoopP50AddedOverDirectMs: direct !== undefined && r.openLoop ? r.openLoop.latencyMs.p50 - direct : null,
    })),
    handshakes: input.handshakes,
    ...(input.auditLog ? { auditLog: input.auditLog } : {}),
    goals: goals(input),
  };
}

export type Report = ReturnType<typeof buildReport>;

const num = (value: number | null | undefined, digits = 0) => (value === undefined || value === null || Number.isNaN(value) ? '-' : value.toFixed(digits));

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** Lowest and highest proxy µs/req over the passes, as ± around the median (one pass: nothing to show). */
function spread(r: Report['scenarios'][number]): string {
  const values = r.passes.map((one) => one.cpuMicrosPerRequest['proxy']).filter((value): value is number => value !== undefined && !Number.isNaN(value));
  const median = r.cpuMicrosPerRequest.proxy;
  if (values.length < 2 || median === undefined) return '-';
  return `${num(Math.min(...values) - median)}/+${num(Math.max(...values) - median)}`;
}

export function renderTable(report: Report): string {
  const env = report.environment;
  const settings = report.settings as { quick: boolean; seconds: number; passes: number; warmupSeconds: number; concurrency: number; openLoopRate: number; openLoopSeconds: number; path: string };
  const out: string[] = [''];
  out.push(
    `Palisade ${report.palisadeVersion} bench${settings.quick ? ' (quick)' : ''}: closed loop ${settings.passes} passes of ${settings.seconds}s (+${settings.warmupSeconds}s warm-up), ${settings.concurrency} keep-alive connections; ` +
      `open loop ${settings.openLoopRate} req/s for ${settings.openLoopSeconds}s; GET ${settings.path}`,
  );
  out.push(`node ${String(env['node'])}, ${String(env['cpus'])} CPUs; ${env.pinning}; load average ${env.loadavgBefore.map((v) => v.toFixed(2)).join(' ')} before, ${env.loadavgAfter.map((v) => v.toFixed(2)).join(' ')} after`);
  out.push('');
  out.push(
    ...table(
      ['scenario', 'req/s', 'proxy µs/req', 'spread', 'per core vs nginx', 'p50 ms', 'p99 ms', 'open µs/req', 'open p50 ms', 'open p99 ms', '+p50 vs direct', 'sustained', 'RSS MiB'],
      report.scenarios.map((r) => [
        r.label,
        num(r.load.rps),
        num(r.cpuMicrosPerRequest.proxy),
        spread(r),
        num(r.perCoreVsNginx, 2),
        num(r.load.latencyMs.p50, 2),
        num(r.load.latencyMs.p99, 2),
        num(r.openLoop?.proxyCpuMicrosPerRequest),
        num(r.openLoop?.latencyMs.p50, 2),
        num(r.openLoop?.latencyMs.p99, 2),
        num(r.openLoopP50AddedOverDirectMs, 2),
        r.openLoop ? (r.openLoop.sustained ? 'yes' : 'NO') : '-',
        num(r.peakRssBytes === undefined ? undefined : r.peakRssBytes / MIB),
      ]),
    ),
  );
  if (report.handshakes.length > 0) {
    out.push('');
    out.push(
      ...table(
        ['new mTLS connection per request', 'conn/s', 'proxy µs/conn', 'p50 ms', 'p99 ms', 'RSS MiB'],
        report.handshakes.map((h) => [`${h.label} (${h.keyType.toUpperCase()})`, num(h.load.rps), num(h.proxyCpuMicrosPerRequest), num(h.load.latencyMs.p50, 2), num(h.load.latencyMs.p99, 2), num(h.peakRssBytes / MIB)]),
      ),
    );
  }
  const p = report.primitives;
  out.push('');
  out.push(`raw verify, this machine now: ed25519 ${num(p.ed25519VerifyMicros)} µs, ES256 crypto.verify ${num(p.es256VerifyMicros)} µs, jose jwtVerify ES256 ${num(p.joseJwtVerifyEs256Micros)} µs`);
  const floor = (id: string) => report.scenarios.find((r) => r.id === id);
  const floors = (['nginx', 'bare_node', 'raw_node', 'raw_socket', 'palisade_warn'] as const)
    .map((id) => floor(id))
    .filter((r): r is NonNullable<typeof r> => r?.cpuMicrosPerRequest.proxy !== undefined)
    .map((r) => `${r.id} ${num(r.cpuMicrosPerRequest.proxy)} µs (${num(r.perCoreVsNginx, 2)}x nginx)`);
  if (floors.length > 1) out.push(`floors, per core vs nginx: ${floors.join(', ')}`);
  if (report.auditLog) out.push(`audit log at info: ${report.auditLog.lines} lines for ${report.auditLog.expectedLines} requests, ${num(report.auditLog.bytesPerRequest)} bytes per request`);
  out.push('proxy µs/req: CPU (user+sys, /proc) of the proxy process alone per request, closed loop, median over the passes');
  out.push('(spread: lowest/highest pass minus the median). per core vs nginx: nginx µs ÷ this.');
  out.push('open: at the fixed rate; µs/req there compares builds at equal load (CPU per request rises when a loaded machine slows a');
  out.push('proxy down: fewer requests per wake-up); latency from the intended send time; +p50 vs direct: over plain HTTP straight to the app.');
  out.push('');
  out.push('Goals (same run):');
  for (const goal of report.goals) {
    const value = goal.unit === '%' ? `${num(goal.value * 100, 1)}%` : `${num(goal.value, 2)}${goal.unit === 'x' ? 'x' : goal.unit ? ` ${goal.unit}` : ''}`;
    out.push(`  ${goal.met === undefined ? '  ?  ' : goal.met ? ' met ' : 'UNMET'}  ${goal.description}: ${value} (goal ${goal.target})`);
  }
  return `${out.join('\n')}\n`;
}
