// Runs the drill file's client command once, with {url}, {host} and {port} substituted, bounded
// by the attempt timeout. The command's output is discarded: it may print what the client
// received or sent, and the report must never carry a secret.
import { spawn } from 'node:child_process';

export interface CommandRun {
  /** Exit code, or undefined when it was killed at the timeout. */
  readonly code: number | undefined;
  readonly timedOut: boolean;
}

export function substitute(template: string, values: { url: string; host: string; port: number }): string {
  return template.replaceAll('{url}', values.url).replaceAll('{host}', values.host).replaceAll('{port}', String(values.port));
}

export function runClientCommand(command: string, timeoutMs: number): Promise<CommandRun> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout kills the client and anything it started.
    const child = spawn('/bin/sh', ['-c', command], { stdio: 'ignore', detached: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', () => {
      clearTimeout(timer);
      resolve({ code: 127, timedOut: false });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? undefined : (code ?? undefined), timedOut });
    });
  });
}
