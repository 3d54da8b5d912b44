// One drill run: every client target, then every server target, one attempt at a time under
// one budget. Returns the results; it writes no report, metric or log line itself.
import { AttemptBudget } from './budget.js';
import { runClientTarget, type DrillRunContext } from './client-drill.js';
import type { LoadedDrill } from './load.js';
import type { CheckedTargets } from './safety.js';
import type { AttemptRecord, BaselineResult, DrillResult } from './scenario.js';
import { runServerTarget } from './server-drill.js';

export interface DrillRun {
  readonly drill: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly baselines: readonly BaselineResult[];
  readonly results: readonly DrillResult[];
}

export async function runDrill(drill: LoadedDrill, targets: CheckedTargets, onAttempt: (record: AttemptRecord) => void): Promise<DrillRun> {
  const startedAt = new Date().toISOString();
  const context: DrillRunContext = { budget: new AttemptBudget(drill.file.limits), onAttempt, certificates: drill.certificates, ...(drill.stagingCa ? { stagingCa: drill.stagingCa } : {}) };
  const baselines: BaselineResult[] = [];
  const results: DrillResult[] = [];
  for (const { target, address } of targets.clients) {
    const out = await runClientTarget(target, address, context);
    baselines.push(out.baseline);
    results.push(...out.results);
  }
  for (const { target, address } of targets.servers) {
    const out = await runServerTarget(target, address, context);
    baselines.push(out.baseline);
    results.push(...out.results);
  }
  return { drill: drill.file.name, startedAt, finishedAt: new Date().toISOString(), baselines, results };
}
