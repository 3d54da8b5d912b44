// palisade validate -c FILE: every problem, each with its key path; exit 0 or 1.
// --format json is for CI and editors: {"file", "ok", "errors": [{"path", "message"}], "inbound"}.
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.js';
import { parseFormat } from './format.js';
import { styleFor } from './style.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from './usage.js';
import type { Command } from './command.js';

/** "inbound[0].port: must be…" → its key path and message (a file-level error has the file as its path). */
export function splitError(error: string): { path: string; message: string } {
  const at = error.indexOf(': ');
  return at === -1 ? { path: '(root)', message: error } : { path: error.slice(0, at), message: error.slice(at + 2) };
}

export function validateCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, format: { type: 'string' } }, strict: true });
  if (!values.config) throw new UsageError('validate needs -c FILE');
  const format = parseFormat(values.format, ['text', 'json']);
  const result = loadConfigFile(values.config);
  if (format === 'json') {
    const report = result.ok
      ? { file: values.config, ok: true, errors: [], inbound: result.value.config.inbound.map((l) => ({ name: l.name, address: l.address, port: l.port, routes: l.routes.length })) }
      : { file: values.config, ok: false, errors: result.errors.map(splitError) };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return result.ok ? EXIT_OK : EXIT_FINDINGS;
  }
  if (!result.ok) {
    const style = styleFor(process.stderr);
    process.stderr.write(`${values.config}: ${style.red(`${result.errors.length} error(s)`)}\n`);
    for (const error of result.errors) process.stderr.write(`  ${error}\n`);
    return EXIT_FINDINGS;
  }
  const style = styleFor(process.stdout);
  const listeners = result.value.config.inbound.map((listener) => `${listener.name} (${listener.address}:${listener.port}, ${listener.routes.length} routes)`);
  process.stdout.write(`${values.config}: ${style.green('ok')}; inbound: ${listeners.join(', ')}\n`);
  return EXIT_OK;
}

export const validate: Command = {
  help: {
    name: 'validate',
    summary: 'check a config without starting anything; print every error with its key path',
    usage: ['validate -c palisade.yaml [--format text|json]'],
    description: 'Checks the schema (unknown keys are errors), then every file the config names: it exists,\nparses, the key matches the certificate, the certificate is valid now. Exit 1 on any error.\nWith --format json the report goes to stdout, errors included, as {file, ok, errors: [{path, message}]}.',
    options: [
      { flags: '-c, --config FILE', description: 'the config file to check', required: true },
      { flags: '--format text|json', description: 'output format', default: 'text' },
    ],
    examples: ['palisade validate -c palisade.yaml', 'palisade validate -c palisade.yaml --format json | jq .errors'],
  },
  run: validateCommand,
};
