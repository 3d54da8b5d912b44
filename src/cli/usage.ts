// Shared CLI plumbing: exit codes, the usage error type, and the top-level usage built from
// each command's own help.
import type { Command } from './command.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export function usage(commands: Readonly<Record<string, Command>>): string {
  const lines = ['palisade: a security-probing sidecar proxy for machine-to-machine traffic', '', 'Usage:'];
  for (const command of Object.values(commands)) {
    lines.push(`  palisade ${command.help.usage[0]}`, `      ${command.help.summary}`);
  }
  lines.push('  palisade --version      the version alone', '', 'palisade COMMAND --help shows every option of a command, with its default and an example.');
  lines.push('', 'Exit codes: 0 ok, 1 findings or invalid input, 2 usage error.', '');
  return lines.join('\n');
}
