#!/usr/bin/env node
// The `palisade` command: one file per subcommand, each exporting a Command (help + run),
// dispatched here. `--help` is answered here for every command, from the command's own help.
import { certs } from './certs.js';
import { renderHelp, wantsHelp, type Command } from './command.js';
import { demo } from './demo.js';
import { drill } from './drill.js';
import { probe } from './probe.js';
import { run } from './run.js';
import { sign } from './sign.js';
import { closest, longOptions, unknownOptionOf } from './suggest.js';
import { styleFor } from './style.js';
import { broker } from './broker.js';
import { token } from './token.js';
import { audit } from './audit.js';
import { EXIT_USAGE, UsageError, usage } from './usage.js';
import { validate } from './validate.js';
import { version } from './version.js';
import { VERSION } from '../version.js';

/** Every subcommand, in the order the top-level usage lists them. */
const COMMANDS: Record<string, Command> = { run, validate, demo, certs, sign, probe, drill, broker, token, audit, version };

/** The command being run, so a usage error can point at its own help and options. */
let current: string | undefined;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? args[0] : undefined;
    if (topic !== undefined && COMMANDS[topic]) {
      process.stdout.write(renderHelp(COMMANDS[topic].help));
      return 0;
    }
    if (topic !== undefined) throw new UsageError(unknownCommand(topic));
    process.stdout.write(usage(COMMANDS));
    return command === undefined ? EXIT_USAGE : 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`palisade ${VERSION}\n`);
    return 0;
  }
  const handler = COMMANDS[command];
  if (!handler) throw new UsageError(unknownCommand(command));
  current = command;
  if (wantsHelp(args)) {
    process.stdout.write(renderHelp(handler.help));
    return 0;
  }
  return handler.run(args);
}

function unknownCommand(command: string): string {
  const suggestion = closest(command, [...Object.keys(COMMANDS), 'help']);
  return `unknown command "${command}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`;
}

/** Works from any command's declared options, so commands added later get suggestions too. */
function describeUsageError(error: Error & { code?: string }): string {
  const option = unknownOptionOf(error);
  const handler = current ? COMMANDS[current] : undefined;
  if (option === undefined || !handler) return error.message;
  const suggestion = option.startsWith('--') ? closest(option, longOptions(handler.help.options.map((o) => o.flags))) : undefined;
  return `unknown option ${option} for "${handler.help.name}"${suggestion ? `; did you mean ${suggestion}?` : ''}`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Listeners are closed by now; make sure no stray handle keeps a finished command alive.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (error: unknown) => {
    const isUsage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const style = styleFor(process.stderr);
    process.stderr.write(`${style.red('palisade:')} ${isUsage ? describeUsageError(error as Error) : (error as Error).message}\n`);
    // A command's own usage error points at its help; anything else gets the command list.
    const help = current ? COMMANDS[current]?.help : undefined;
    if (isUsage && help) {
      process.stderr.write(`\nUsage:\n${help.usage.map((line) => `  palisade ${line}\n`).join('')}Run "palisade ${current} --help" for every option and an example.\n`);
    }
    else if (isUsage) process.stderr.write(`\n${usage(COMMANDS)}`);
    process.exit(isUsage ? EXIT_USAGE : 1);
  },
);
