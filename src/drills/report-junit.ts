// The drill as a JUnit test run: one testcase per scenario × target, a <failure> for
// vulnerable, an <error> for error; informational scenarios pass with their finding in
// <system-out>. The XML itself is src/report/junit.ts.
import { renderJUnit, type TestCase } from '../report/junit.js';
import type { DrillRun } from './run.js';

export function drillTestCases(run: DrillRun): TestCase[] {
  return run.results.map((result) => {
    const detail = `forged: ${result.forges}\nresisted when: ${result.resistedWhen}\nevidence: ${result.evidence}`;
    const base = { suite: `palisade drill ${run.drill}: ${result.family} ${result.target}`, classname: `drill.${result.family}.${result.target}`, name: result.scenario, timeSeconds: result.durationMs / 1000 };
    if (result.outcome === 'vulnerable' && !result.informational) return { ...base, status: 'failed', message: `vulnerable: ${result.evidence}`, detail };
    if (result.outcome === 'error') return { ...base, status: 'error', message: result.evidence, detail };
    return { ...base, status: 'passed', detail: `${result.outcome}${result.informational ? ' (informational)' : ''}\n${detail}` };
  });
}

export function renderDrillJUnit(run: DrillRun): string {
  return renderJUnit(`palisade drill ${run.drill}`, drillTestCases(run), run.startedAt);
}
