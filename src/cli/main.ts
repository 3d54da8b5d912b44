#!/usr/bin/env node
// The `palisade` command: one file per subcommand, each exporting a Command (help + run),
// dispatched here. `--help` is answered here for every command, from the command's own help.
import { certs } from './certs.js';
import { renderHelp, wantsHelp, type Command } from './command.js';
import { demo } from './demo.js';
import { drill } from './drill.js';
import { run } from './run.js';
import { sign } from './sign.js';
import { EXIT_USAGE, UsageError, usage } from './usage.js';
import { validate } from './validate.js';
import { VERSION } from '../version.js';

/** Every subcommand, in the order the top-level usage lists them. */
const COMMANDS: Record<string, Command> = { run, validate, demo, certs, sign, drill };

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? args[0] : undefined;
    if (topic !== undefined && COMMANDS[topic]) {
      process.stdout.write(renderHelp(COMMANDS[topic].help));
      return 0;
    }
    process.stdout.write(usage(COMMANDS));
    return command === undefined ? EXIT_USAGE : 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`palisade ${VERSION}\n`);
    return 0;
  }
  const handler = COMMANDS[command];
  if (!handler) throw new UsageError(`unknown command "${command}"`);
  if (wantsHelp(args)) {
    process.stdout.write(renderHelp(handler.help));
    return 0;
  }
  return handler.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Listeners are closed by now; make sure no stray handle keeps a finished command alive.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (error: unknown) => {
    const isUsage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`palisade: ${(error as Error).message}\n`);
    if (isUsage) process.stderr.write(`\n${usage(COMMANDS)}`);
    process.exit(isUsage ? EXIT_USAGE : 1);
  },
);
