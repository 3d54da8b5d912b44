// How to run this same CLI from a shell, for commands the CLI prints for the user to copy:
// `palisade` when that name on PATH is this very script (npm link, a global install),
// otherwise the absolute node and script paths, which work from any directory.
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function real(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** Single-quoted for a POSIX shell when it holds anything but safe characters. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export function selfInvocation(env: NodeJS.ProcessEnv = process.env, script: string | undefined = process.argv[1]): string {
  const self = script ? real(script) : undefined;
  if (self) {
    for (const dir of (env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
      const candidate = join(dir, 'palisade');
      try {
        accessSync(candidate, constants.X_OK);
      } catch {
        continue;
      }
      if (real(candidate) === self) return 'palisade';
      break; // another `palisade` comes first on PATH: do not print a name that runs something else
    }
  }
  return `${shellQuote(process.execPath)} ${shellQuote(self ?? script ?? 'palisade')}`;
}
