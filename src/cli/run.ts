// palisade run -c FILE: start the sidecar and run until SIGTERM/SIGINT.
//   SIGTERM, SIGINT → /readyz false, stop accepting, finish in-flight requests, exit 0.
//   SIGHUP, or a change to the config file or any file it names (reload.watchFiles)
//                   → reload the config and certificates; a bad reload keeps the running config.
import { parseArgs } from 'node:util';
import { certificateFactory } from '../certs/factory.js';
import { loadConfigFile } from '../config/load.js';
import { FileWatcher, configuredFiles } from '../config/watch.js';
import { Sidecar } from '../sidecar.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from './usage.js';
import { inPathDrillGate } from '../drills/gate.js';
import type { Command } from './command.js';
import { SIDECAR_NODE_FLAGS } from './node-flags.js';

export async function runCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } }, strict: true });
  if (!values.config) throw new UsageError('run needs -c FILE');
  const configPath = values.config;
  const result = loadConfigFile(configPath);
  if (!result.ok) {
    process.stderr.write(`${configPath}: ${result.errors.length} error(s)\n`);
    for (const error of result.errors) process.stderr.write(`  ${error}\n`);
    return EXIT_FINDINGS;
  }
  // In-path drills are staging-only: refuse (exit 2) before anything listens.
  const gate = inPathDrillGate(result.value.config, process.env);
  if (gate.length > 0) {
    process.stderr.write(`${configPath}: refused, nothing was started\n${gate.map((problem) => `  ${problem}\n`).join('')}`);
    return EXIT_USAGE;
  }
  const sidecar = new Sidecar(result.value, { certificates: certificateFactory });
  try {
    await sidecar.start();
  } catch (error) {
    process.stderr.write(`palisade: cannot start: ${(error as Error).message}\n`);
    await sidecar.close().catch(() => undefined);
    return EXIT_FINDINGS;
  }
  const reload = (trigger: 'SIGHUP' | 'file change') => {
    if (sidecar.reloadFromFile(configPath, trigger)) watcher?.retarget(configuredFiles(sidecar.config, sidecar.baseDir));
  };
  const watcher = result.value.config.reload.watchFiles
    ? new FileWatcher({
        configPath,
        files: configuredFiles(result.value.config, result.value.baseDir),
        debounceMs: result.value.config.reload.debounceMs,
        onChange: () => reload('file change'),
      })
    : undefined;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      sidecar.log.info({ type: 'lifecycle', signal }, 'shutdown requested');
      watcher?.close();
      sidecar.drain().then(
        () => resolve(EXIT_OK),
        () => resolve(EXIT_OK),
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      if (!stopping) reload('SIGHUP');
    });
  });
}

export const run: Command = {
  help: {
    name: 'run',
    summary: 'start the sidecar: inbound and egress listeners, admin listener',
    usage: ['run -c palisade.yaml'],
    description: 'SIGTERM/SIGINT drain and exit 0; SIGHUP or a change to a watched file reloads the config and\nevery certificate it names (a bad reload keeps the running config).',
    options: [{ flags: '-c, --config FILE', description: 'the config file', required: true }],
    examples: [
      'palisade run -c palisade.yaml',
      `node ${SIDECAR_NODE_FLAGS.join(' ')} "$(command -v palisade)" run -c palisade.yaml   # as the image runs it: less memory`,
      'kill -HUP "$(pidof palisade)"   # reload now',
    ],
  },
  run: runCommand,
};
