// The JSON report and its schema. The zod schema below is the documented contract (the README
// shows it as JSON Schema, printed by `palisade drill --print-schema`); a test validates real
// output against it.
import { z } from 'zod';
import type { DrillRun } from './run.js';
import { isFailing } from './scenario.js';

export const REPORT_SCHEMA_ID = 'https://palisade.dev/schemas/drill-report/v1';

const Family = z.enum(['client', 'server']);
const Outcome = z.enum(['resisted', 'vulnerable', 'error']);

export const DrillReportSchema = z.strictObject({
  schema: z.literal(REPORT_SCHEMA_ID),
  drill: z.string().describe('the drill file name: key'),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  summary: z.strictObject({
    total: z.number().int().min(0),
    vulnerable: z.number().int().min(0).describe('vulnerable results that fail the drill (informational ones excluded)'),
    informational: z.number().int().min(0).describe('vulnerable results of informational scenarios: reported, not failed'),
    resisted: z.number().int().min(0),
    error: z.number().int().min(0),
  }),
  baselines: z.array(
    z.strictObject({
      family: Family,
      target: z.string(),
      ok: z.boolean().describe('false: every scenario of this target is error'),
      evidence: z.string(),
      durationMs: z.number().min(0),
      status: z.number().int().optional().describe('server drills: the genuine request status'),
    }),
  ),
  results: z.array(
    z.strictObject({
      family: Family,
      scenario: z.string(),
      target: z.string(),
      outcome: Outcome,
      informational: z.boolean(),
      forges: z.string().describe('what the impostor forged'),
      resistedWhen: z.string().describe('what counts as resisted'),
      evidence: z.string().describe('what was observed; never a secret'),
      durationMs: z.number().min(0),
      request: z
        .strictObject({ method: z.string(), path: z.string(), credentials: z.array(z.string()) })
        .optional()
        .describe('client drills: what the client sent to the impostor'),
      status: z.number().int().optional().describe('server drills: the status the server answered'),
    }),
  ),
});

export type DrillReport = z.infer<typeof DrillReportSchema>;

export function toReport(run: DrillRun): DrillReport {
  const results = [...run.results];
  return {
    schema: REPORT_SCHEMA_ID,
    drill: run.drill,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    summary: {
      total: results.length,
      vulnerable: results.filter(isFailing).length,
      informational: results.filter((r) => r.outcome === 'vulnerable' && r.informational).length,
      resisted: results.filter((r) => r.outcome === 'resisted').length,
      error: results.filter((r) => r.outcome === 'error').length,
    },
    baselines: run.baselines.map((b) => ({ ...b })),
    results: results.map(({ request, ...rest }) => ({ ...rest, ...(request ? { request: { method: request.method, path: request.path, credentials: [...request.credentials] } } : {}) })),
  };
}

export function renderJson(run: DrillRun): string {
  return `${JSON.stringify(toReport(run), null, 2)}\n`;
}

export function reportJsonSchema(): string {
  return `${JSON.stringify({ $id: REPORT_SCHEMA_ID, ...z.toJSONSchema(DrillReportSchema) }, null, 2)}\n`;
}
