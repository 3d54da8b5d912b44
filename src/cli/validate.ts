// palisade validate -c FILE: every problem, each with its key path; exit 0 or 1.
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from './usage.js';
import type { Command } from './command.js';

export function validateCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } }, strict: true });
  if (!values.config) throw new UsageError('validate needs -c FILE');
  const result = loadConfigFile(values.config);
  if (!result.ok) {
    process.stderr.write(`${values.config}: ${result.errors.length} error(s)\n`);
    for (const error of result.errors) process.stderr.write(`  ${error}\n`);
    return EXIT_FINDINGS;
  }
  const listeners = result.value.config.inbound.map((listener) => `${listener.name} (${listener.address}:${listener.port}, ${listener.routes.length} routes)`);
  process.stdout.write(`${values.config}: ok; inbound: ${listeners.join(', ')}\n`);
  return EXIT_OK;
}

export const validate: Command = {
  help: {
    name: 'validate',
    summary: 'check a config without starting anything; print every error with its key path',
    usage: ['validate -c palisade.yaml'],
    description: 'Checks the schema (unknown keys are errors), then every file the config names: it exists,\nparses, the key matches the certificate, the certificate is valid now. Exit 1 on any error.',
    options: [{ flags: '-c, --config FILE', description: 'the config file to check', required: true }],
    examples: ['palisade validate -c palisade.yaml'],
  },
  run: validateCommand,
};
