// palisade version: the Palisade version and the Node.js and OpenSSL it runs on (what a bug
// report needs). `palisade --version` prints the first line only.
import { parseArgs } from 'node:util';
import { VERSION } from '../version.js';
import { parseFormat } from './format.js';
import { EXIT_OK } from './usage.js';
import type { Command } from './command.js';

export function versionInfo(): { palisade: string; node: string; openssl: string } {
  return { palisade: VERSION, node: process.versions.node, openssl: process.versions.openssl };
}

function versionCommand(args: string[]): number {
  const { values } = parseArgs({ args, options: { format: { type: 'string' } }, strict: true });
  const format = parseFormat(values.format, ['text', 'json']);
  const info = versionInfo();
  if (format === 'json') process.stdout.write(`${JSON.stringify(info)}\n`);
  else process.stdout.write(`palisade ${info.palisade}\nnode ${info.node}, openssl ${info.openssl}\n`);
  return EXIT_OK;
}

export const version: Command = {
  help: {
    name: 'version',
    summary: 'print the Palisade version and the Node.js and OpenSSL it runs on',
    usage: ['version [--format text|json]'],
    options: [{ flags: '--format text|json', description: 'output format', default: 'text' }],
    examples: ['palisade version', 'palisade --version', 'palisade version --format json'],
  },
  run: versionCommand,
};
