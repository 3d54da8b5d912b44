// The text report: one table, worst first (vulnerable, error, informational, resisted), sized
// for one screen. Evidence is cut to the terminal width here only; the JSON report has it whole.
import type { DrillRun } from './run.js';
import { isFailing, severityRank, type DrillResult } from './scenario.js';

const EVIDENCE_WIDTH = 72;

function label(result: DrillResult): string {
  if (result.outcome !== 'vulnerable') return result.outcome;
  return result.informational ? 'vulnerable (info)' : 'VULNERABLE';
}

const cut = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

export function sortWorstFirst(results: readonly DrillResult[]): DrillResult[] {
  // Stable: within a rank and target, scenarios keep the catalogue's order.
  return [...results].sort((a, b) => severityRank(a) - severityRank(b) || a.target.localeCompare(b.target));
}

export function renderText(run: DrillRun): string {
  const rows = sortWorstFirst(run.results).map((r) => [r.scenario, `${r.family}:${r.target}`, label(r), cut(r.evidence, EVIDENCE_WIDTH)]);
  const header = ['SCENARIO', 'TARGET', 'OUTCOME', 'EVIDENCE'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] as string).length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] as number))).join('  ').trimEnd();
  const failing = run.results.filter(isFailing).length;
  const info = run.results.filter((r) => r.outcome === 'vulnerable' && r.informational).length;
  const errors = run.results.filter((r) => r.outcome === 'error').length;
  const resisted = run.results.filter((r) => r.outcome === 'resisted').length;
  const out = [`palisade drill ${run.drill}: ${run.results.length} scenario(s): ${failing} vulnerable, ${errors} error, ${info} informational, ${resisted} resisted`];
  for (const baseline of run.baselines) {
    out.push(`  baseline ${baseline.family}:${baseline.target}: ${baseline.ok ? 'ok' : 'FAILED'}: ${cut(baseline.evidence, EVIDENCE_WIDTH + 20)}`);
  }
  out.push('', line(header), ...rows.map(line), '');
  return out.join('\n');
}
