#!/usr/bin/env node
// The `palisade` command: one file per subcommand, dispatched here.
import { certsCommand } from './certs.js';
import { demoCommand } from './demo.js';
import { runCommand } from './run.js';
import { signCommand } from './sign.js';
import { EXIT_USAGE, USAGE, UsageError } from './usage.js';
import { validateCommand } from './validate.js';
import { VERSION } from '../version.js';

const COMMANDS: Record<string, (args: string[]) => number | Promise<number>> = {
  run: runCommand,
  validate: validateCommand,
  demo: demoCommand,
  certs: certsCommand,
  sign: signCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? EXIT_USAGE : 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`palisade ${VERSION}\n`);
    return 0;
  }
  const handler = COMMANDS[command];
  if (!handler) throw new UsageError(`unknown command "${command}"`);
  return handler(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Listeners are closed by now; make sure no stray handle keeps a finished command alive.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (error: unknown) => {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`palisade: ${(error as Error).message}\n`);
    if (usage) process.stderr.write(`\n${USAGE}`);
    process.exit(usage ? EXIT_USAGE : 1);
  },
);
