// Rendering a report for people (text) and for CI systems (JUnit XML), from a generic shape any
// producer of findings can fill: one case per check (a probe's check family, a drill's scenario),
// each with its findings, plus optional sections of facts shown before the table.
//
// JSON is not rendered here: each producer's JSON is its own result object, which carries more
// than this generic shape (and is the schema its users script against).
import { atOrAbove, worstFirst, type Finding, type Severity } from './findings.js';
import { renderJUnit, type TestCase } from './junit.js';

export interface ReportCase {
  /** e.g. `protocols`; the JUnit testcase name. */
  readonly name: string;
  readonly findings: readonly Finding[];
  /** Set when the case did not run, with why (JUnit <skipped>). */
  readonly skipped?: string;
  readonly durationMs?: number;
}

export interface ReportSection {
  readonly title: string;
  readonly rows: ReadonlyArray<readonly [label: string, value: string]>;
}

export interface Report {
  /** What produced it: `palisade probe`, `palisade drill`. The JUnit testsuite name. */
  readonly name: string;
  /** What was examined: `orders.internal:8443`. */
  readonly subject: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly cases: readonly ReportCase[];
  readonly sections?: readonly ReportSection[];
}

export interface RenderOptions {
  /** Findings at or above this are failures (JUnit <failure>, marked in the text table). */
  readonly failOn: Severity;
}

/** Every finding of every case, worst first. */
export function allFindings(report: Report): Finding[] {
  return worstFirst(report.cases.flatMap((testCase) => testCase.findings));
}

export function failures(report: Report, failOn: Severity): Finding[] {
  return allFindings(report).filter((finding) => atOrAbove(finding.severity, failOn));
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '?');
}

/** A table a person reads in one screen: facts first, then findings worst first, then the verdict. */
export function renderText(report: Report, options: RenderOptions): string {
  const lines: string[] = [`${report.name} ${report.subject}  (${report.startedAt}, ${(report.durationMs / 1000).toFixed(1)}s)`];
  for (const section of report.sections ?? []) {
    if (section.rows.length === 0) continue;
    lines.push('', section.title);
    const width = Math.max(...section.rows.map(([label]) => label.length));
    for (const [label, value] of section.rows) lines.push(`  ${label.padEnd(width)}  ${oneLine(value)}`);
  }
  const findings = allFindings(report);
  lines.push('', `Findings (${findings.length})`);
  if (findings.length === 0) lines.push('  none');
  const severityWidth = 8;
  const idWidth = Math.min(34, Math.max(2, ...findings.map((finding) => finding.id.length)));
  for (const finding of findings) {
    const mark = atOrAbove(finding.severity, options.failOn) ? '!' : ' ';
    lines.push(`${mark} ${finding.severity.toUpperCase().padEnd(severityWidth)} ${finding.id.padEnd(idWidth)}  ${oneLine(finding.title)}`);
    lines.push(`  ${' '.repeat(severityWidth)} ${' '.repeat(idWidth)}  ${oneLine(finding.detail)}`);
    lines.push(`  ${' '.repeat(severityWidth)} ${' '.repeat(idWidth)}  fix: ${oneLine(finding.fix)}`);
  }
  const skipped = report.cases.filter((testCase) => testCase.skipped);
  if (skipped.length > 0) {
    lines.push('', 'Not run');
    for (const testCase of skipped) lines.push(`  ${testCase.name}: ${oneLine(testCase.skipped ?? '')}`);
  }
  const failed = findings.filter((finding) => atOrAbove(finding.severity, options.failOn));
  lines.push('', failed.length === 0 ? `PASS: no finding at or above ${options.failOn}` : `FAIL: ${failed.length} finding(s) at or above ${options.failOn}`, '');
  return lines.join('\n');
}

/**
 * JUnit XML as Jenkins, GitLab and GitHub reporters read it (through src/report/junit.ts, the one
 * XML writer): one <testsuite> for the report, one <testcase> per case, one <failure> per finding
 * at or above `failOn`; findings below it are listed in <system-out> so nothing is lost.
 */
export function renderJunit(report: Report, options: RenderOptions): string {
  const suite = `${report.name} ${report.subject}`;
  const cases = report.cases.map((testCase): TestCase => {
    const sorted = worstFirst(testCase.findings);
    const failing = sorted.filter((finding) => atOrAbove(finding.severity, options.failOn));
    const other = sorted.filter((finding) => !atOrAbove(finding.severity, options.failOn));
    const output = other.length > 0 ? other.map((finding) => `${finding.severity} ${finding.id}: ${finding.title} (${finding.detail})`).join('\n') : undefined;
    const base = { suite, classname: suite, name: testCase.name, timeSeconds: (testCase.durationMs ?? 0) / 1000, ...(output !== undefined ? { output } : {}) };
    if (testCase.skipped) return { ...base, status: 'skipped', message: testCase.skipped };
    if (failing.length === 0) return { ...base, status: 'passed' };
    return {
      ...base,
      status: 'failed',
      failures: failing.map((finding) => ({ message: `${finding.id}: ${finding.title}`, type: finding.severity, detail: `${finding.detail}\nfix: ${finding.fix}` })),
    };
  });
  return renderJUnit(report.name, cases, report.startedAt);
}
