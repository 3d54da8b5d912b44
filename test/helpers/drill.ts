// Drill fixtures: the test PKI as a staging PKI (its CA key written out for the drill file's
// `ca`), drill files written as YAML beside it, and the CLI run with PALISADE_ENVIRONMENT set
// the way a staging machine sets it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli, type CliResult } from './cli.js';
import type { TestPki } from './pki.js';

export const STAGING_ENV = { ...process.env, PALISADE_ENVIRONMENT: 'staging' };

/** The drill file's `ca:` for the test CA (writes its key once). */
export function stagingCa(pki: TestPki): { cert: string; key: string } {
  return { cert: pki.caPath, key: pki.write('ca-key.pem', pki.ca.keyPem) };
}

export function writeDrillFile(pki: TestPki, name: string, drill: Record<string, unknown>): string {
  return pki.write(name, stringify({ environment: 'staging', allow: ['127.0.0.0/8', 'localhost'], ...drill }));
}

export function runDrillCli(file: string, extra: string[] = [], env: NodeJS.ProcessEnv = STAGING_ENV, timeoutMs = 90_000): Promise<CliResult> {
  return runCli(['drill', '-c', file, ...extra], { env, timeoutMs });
}

export interface JsonResult {
  readonly scenario: string;
  readonly target: string;
  readonly outcome: 'resisted' | 'vulnerable' | 'error';
  readonly informational: boolean;
  readonly evidence: string;
  readonly request?: { method: string; path: string; credentials: string[] };
  readonly status?: number;
}

export interface JsonReport {
  readonly baselines: Array<{ target: string; ok: boolean; evidence: string }>;
  readonly results: JsonResult[];
  readonly summary: Record<string, number>;
}

/** Run a drill with --format json into a file and parse it. */
export async function runDrillJson(pki: TestPki, file: string, extra: string[] = []): Promise<{ cli: CliResult; report: JsonReport }> {
  const out = join(pki.dir, `report-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const cli = await runDrillCli(file, ['--format', 'json', '--out', out, ...extra]);
  let report: JsonReport;
  try {
    report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
  } catch {
    throw new Error(`no JSON report (exit ${cli.code})\nstdout: ${cli.stdout}\nstderr: ${cli.stderr}`);
  }
  return { cli, report };
}

/** scenario → outcome, for one target. */
export function outcomes(report: JsonReport, target?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const result of report.results) if (target === undefined || result.target === target) out[result.scenario] = result.outcome;
  return out;
}

/** True when `tool` runs here; tests that need it skip outside CI when it does not. */
export function hasTool(tool: string, args: string[] = ['--version']): boolean {
  return spawnSync(tool, args, { stdio: 'ignore' }).status === 0;
}
