// Where a process spent its CPU, from a V8 CPU profile (`node --cpu-prof`, as BENCH_CPU_PROF
// writes): self time grouped by who owns the code (V8 and GC, Node's own modules by area, each
// npm package, each Palisade source file), then the functions with the most self time.
//
//   node dist/bench/profile-summary.js FILE.cpuprofile... [--top N] [--from SECONDS]
//
// Idle time is left out: shares are of the time the process was busy. --from skips the start of
// the profile (start-up, module loading, the JIT's warm-up) so the shares are of the steady state.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
}

export interface ProfileSummary {
  /** Busy time in the profile, in milliseconds (idle excluded). */
  readonly busyMs: number;
  /** Share of busy time by owner, largest first. */
  readonly owners: ReadonlyArray<{ owner: string; share: number }>;
  /** Share of busy time by function, largest first. */
  readonly functions: ReadonlyArray<{ name: string; owner: string; share: number }>;
}

/** Node's own modules, by the area a reader would look for (the net/stream/TLS write path, http, undici are separate). */
function nodeArea(module: string): string {
  if (/^(_http_|http$|https$|internal\/http)/.test(module)) return 'node:http';
  if (/^(_tls_|tls$|internal\/tls)/.test(module)) return 'node:tls';
  if (/^(net$|internal\/net|internal\/stream_base_commons|stream$|internal\/streams\/)/.test(module)) return 'node:net + streams';
  if (/^(events$|internal\/event_target|internal\/abort_controller)/.test(module)) return 'node:events';
  if (/^internal\/(timers|process\/task_queues|async_hooks|process\/next_tick)/.test(module) || module === 'timers') return 'node:timers + task queues';
  if (/^(fs$|internal\/fs\/)/.test(module)) return 'node:fs';
  if (/^(crypto$|internal\/crypto\/)/.test(module)) return 'node:crypto';
  if (/^internal\/deps\/undici\//.test(module)) return 'undici (bundled)';
  return 'node:other';
}

/** Who owns a frame: V8, GC, a Node area, an npm package, or a Palisade file. */
export function ownerOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8 + native (no JS frame)';
  if (url === '') return 'native (C++ bindings, V8 builtins)';
  if (url.startsWith('node:')) return nodeArea(url.slice('node:'.length));
  // undici parses HTTP/1.1 responses with llhttp compiled to WebAssembly.
  if (url.startsWith('wasm://')) return 'undici llhttp (wasm)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1] as string;
  const own = /\/dist\/((?:src|bench)\/.+)\.js$/.exec(url);
  if (own) return `palisade ${own[1] as string}`;
  return url;
}

export function summarizeProfile(profile: CpuProfile, top = 25, fromSeconds = 0): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; the sample's node ran for the next delta. Both
  // readings are used in practice; over thousands of samples they agree.
  let elapsed = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    elapsed += profile.timeDeltas[i] ?? 0;
    if (elapsed < fromSeconds * 1e6) continue;
    const id = profile.samples[i] as number;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0));
  }
  const owners = new Map<string, number>();
  const functions = new Map<string, { name: string; owner: string; micros: number }>();
  let busy = 0;
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busy += micros;
    const owner = ownerOf(node.callFrame);
    owners.set(owner, (owners.get(owner) ?? 0) + micros);
    const name = node.callFrame.functionName || '(anonymous)';
    const key = `${owner}\u0000${name}\u0000${node.callFrame.lineNumber}`;
    const entry = functions.get(key) ?? { name, owner, micros: 0 };
    entry.micros += micros;
    functions.set(key, entry);
  }
  const share = (micros: number) => (busy === 0 ? 0 : micros / busy);
  return {
    busyMs: busy / 1000,
    owners: [...owners].map(([owner, micros]) => ({ owner, share: share(micros) })).sort((a, b) => b.share - a.share),
    functions: [...functions.values()]
      .map((entry) => ({ name: entry.name, owner: entry.owner, share: share(entry.micros) }))
      .sort((a, b) => b.share - a.share)
      .slice(0, top),
  };
}

export function renderProfileSummary(title: string, summary: ProfileSummary): string {
  const pct = (value: number) => `${(value * 100).toFixed(1)}%`.padStart(6);
  const lines = [`${title}: ${(summary.busyMs / 1000).toFixed(1)} s busy`, '  by owner:'];
  for (const { owner, share } of summary.owners) if (share >= 0.005) lines.push(`    ${pct(share)}  ${owner}`);
  lines.push('  functions, self time:');
  for (const fn of summary.functions) lines.push(`    ${pct(fn.share)}  ${fn.name}  (${fn.owner})`);
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] && basename(process.argv[1]) === 'profile-summary.js') {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' }, from: { type: 'string', default: '0' } }, allowPositionals: true });
  const top = Number(values.top);
  const from = Number(values.from);
  if (positionals.length === 0 || !Number.isInteger(top) || top < 1 || !Number.isFinite(from) || from < 0) {
    process.stderr.write('usage: profile-summary.js FILE.cpuprofile... [--top N] [--from SECONDS]\n');
    process.exit(2);
  }
  for (const file of positionals) {
    process.stdout.write(renderProfileSummary(basename(file), summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top, from)));
  }
}
