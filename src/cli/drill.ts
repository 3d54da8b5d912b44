// palisade drill: staging MITM drills against clients (impostor servers) and servers
// (impostor clients), from a drill file. Refuses (exit 2) unless both the file and the
// process say staging, and every target is on the file's allow list: nothing is sent before.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { certificateFactory } from '../certs/factory.js';
import { loadDrillFile } from '../drills/load.js';
import { renderDrillJUnit } from '../drills/report-junit.js';
import { renderJson, reportJsonSchema } from '../drills/report-json.js';
import { renderText } from '../drills/report-text.js';
import { runDrill } from '../drills/run.js';
import { checkTargets } from '../drills/safety.js';
import { isFailing } from '../drills/scenario.js';
import { drillMetrics, pushToGateway, pushUrl, writeMetricsFile } from '../telemetry/drill-export.js';
import { createLoggers } from '../telemetry/logger.js';
import type { Command } from './command.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from './usage.js';

const FORMATS = ['text', 'json', 'junit'] as const;
type Format = (typeof FORMATS)[number];

function fail(kind: 'refused' | 'invalid', file: string, errors: readonly string[]): number {
  const title = kind === 'refused' ? `${file}: drill refused, nothing was sent` : `${file}: ${errors.length} error(s)`;
  process.stderr.write(`${title}\n${errors.map((error) => `  ${error}\n`).join('')}`);
  return kind === 'refused' ? EXIT_USAGE : EXIT_FINDINGS;
}

export async function drillCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      format: { type: 'string', default: 'text' },
      out: { type: 'string', short: 'o' },
      pushgateway: { type: 'string' },
      'metrics-file': { type: 'string' },
      'print-schema': { type: 'boolean' },
    },
    allowPositionals: false,
  });
  if (values['print-schema']) {
    process.stdout.write(reportJsonSchema());
    return EXIT_OK;
  }
  if (!values.config) throw new UsageError('drill needs -c FILE (the drill file)');
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
  if (values.pushgateway !== undefined) {
    try {
      pushUrl(values.pushgateway, 'check');
    } catch (error) {
      throw new UsageError((error as Error).message.startsWith('--pushgateway') ? (error as Error).message : `--pushgateway ${values.pushgateway}: not a URL`);
    }
  }

  const loaded = await loadDrillFile(values.config, process.env, certificateFactory);
  if (!loaded.ok) return fail(loaded.kind, values.config, loaded.errors);
  const checked = await checkTargets(loaded.value);
  if (!checked.ok) return fail('refused', values.config, checked.errors);

  // One audit line per attempt on stderr (stdout carries the report): scenario, target,
  // outcome and evidence, which never holds a secret.
  const { audit } = createLoggers('info', pino.destination({ fd: 2, sync: true }));
  const run = await runDrill(loaded.value, checked.value, (record) => audit.info({ type: 'drill_attempt', drill: loaded.value.file.name, ...record }, 'drill attempt'));

  const rendered = format === 'json' ? renderJson(run) : format === 'junit' ? renderDrillJUnit(run) : renderText(run);
  if (values.out !== undefined) writeFileSync(values.out, rendered);
  else process.stdout.write(rendered);

  let exportFailed = false;
  const metrics = drillMetrics(run);
  if (values['metrics-file'] !== undefined) await writeMetricsFile(values['metrics-file'], metrics);
  if (values.pushgateway !== undefined) {
    try {
      await pushToGateway(values.pushgateway, metrics, run.drill);
    } catch (error) {
      process.stderr.write(`palisade drill: ${(error as Error).message}\n`);
      exportFailed = true;
    }
  }
  const unsettled = run.results.some((result) => isFailing(result) || result.outcome === 'error');
  return unsettled || exportFailed ? EXIT_FINDINGS : EXIT_OK;
}

export const drill: Command = {
  help: {
    name: 'drill',
    summary: 'staging MITM drills: impostor servers against clients, impostor clients against servers',
    usage: ['drill -c drill.yaml [--format text|json|junit] [--out FILE] [--pushgateway URL] [--metrics-file FILE]', 'drill --print-schema'],
    description: [
      'Runs every client and server target of the drill file: a baseline with the genuine credentials, then one',
      'impostor per scenario, each forging one thing. Outcome per scenario: vulnerable (accepted the forgery),',
      'resisted (refused it) or error (could not tell). Staging only: the file must say `environment: staging`',
      'and PALISADE_ENVIRONMENT=staging must be set; every target must be on the file\'s `allow:` list.',
      'One audit line per attempt goes to stderr.',
      '',
      'Exit codes: 0 every scenario resisted (informational findings allowed), 1 anything vulnerable or error,',
      'an invalid drill file or a failed push, 2 usage error or refused (not staging, target not allowed, over limits).',
    ].join('\n'),
    options: [
      { flags: '-c, --config FILE', description: 'the drill file', required: true },
      { flags: '--format text|json|junit', description: 'report format', default: 'text' },
      { flags: '-o, --out FILE', description: 'write the report to FILE', default: 'stdout' },
      { flags: '--pushgateway URL', description: 'PUT palisade_drill_results_total to this Prometheus Pushgateway (job=palisade_drill, drill=NAME)' },
      { flags: '--metrics-file FILE', description: "write the same series for node_exporter's textfile collector" },
      { flags: '--print-schema', description: 'print the JSON report\'s JSON Schema and exit' },
    ],
    examples: [
      'PALISADE_ENVIRONMENT=staging palisade drill -c drill.yaml',
      'PALISADE_ENVIRONMENT=staging palisade drill -c drill.yaml --format junit --out drill.xml --pushgateway http://pushgateway:9091',
    ],
  },
  run: drillCommand,
};
