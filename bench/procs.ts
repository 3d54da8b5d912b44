// Child processes for the benchmark: start, wait until ready, read CPU time, stop.
// Every child is tracked so that it is killed on the way out, whatever happened.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';

const children = new Set<ChildProcess>();

/** Synchronous last resort (process 'exit' handler): SIGKILL whatever is still running. */
export function killAllSync(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  readonly stderrPath: string;
  /** Resolves with the first stdout line that parses as JSON (only when stdout is 'line'). */
  readonly firstJson: Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** 'line': read stdout for a JSON ready line. A path: append stdout to that file. */
  readonly stdout: 'line' | string;
  readonly stderrPath: string;
  /** Pin the process to this CPU (taskset -c), when taskset exists. */
  readonly cpu?: number;
}

let tasksetPath: string | null | undefined;

/** The taskset binary, or null when it is not installed (then nothing is pinned). */
export function taskset(): string | null {
  if (tasksetPath === undefined) {
    tasksetPath = null;
    for (const candidate of ['/usr/bin/taskset', '/bin/taskset', '/usr/sbin/taskset']) {
      if (existsSync(candidate)) {
        tasksetPath = candidate;
        break;
      }
    }
  }
  return tasksetPath;
}

/** Pin every thread of this process to one CPU; false when taskset is missing or refused. */
export function pinSelf(cpu: number): boolean {
  const bin = taskset();
  if (!bin) return false;
  try {
    execFileSync(bin, ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Start `node ARGS` (no shell, so the pid is the node process itself). */
export function spawnNode(name: string, args: string[], options: SpawnOptions): Child {
  return spawnCommand(name, process.execPath, args, options);
}

/**
 * Start COMMAND ARGS without a shell. With `cpu`, through taskset, which execs the command:
 * the pid is still the command's own, so /proc/PID is what it measures.
 */
export function spawnCommand(name: string, command: string, args: string[], options: SpawnOptions): Child {
  const stderrFd = openSync(options.stderrPath, 'a');
  const stdoutFd = options.stdout === 'line' ? undefined : openSync(options.stdout, 'a');
  const bin = options.cpu === undefined ? null : taskset();
  const [file, argv] = bin ? [bin, ['-c', String(options.cpu), command, ...args]] : [command, args];
  const child = spawn(file, argv, {
    stdio: ['ignore', stdoutFd ?? 'pipe', stderrFd],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  closeSync(stderrFd);
  if (stdoutFd !== undefined) closeSync(stdoutFd);
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => children.delete(child));

  const firstJson = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${signal ?? code}) before it was ready; see ${options.stderrPath}:\n${tail(options.stderrPath)}`)));
    if (!child.stdout) return;
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          const value = JSON.parse(line) as unknown;
          if (value && typeof value === 'object') resolve(value as Record<string, unknown>);
        } catch {
          // not JSON: ignore
        }
      }
    });
  });
  firstJson.catch(() => undefined);

  if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
  return {
    name,
    process: child,
    pid: child.pid,
    stderrPath: options.stderrPath,
    firstJson,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function tail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/** Reject after ms with a message, unless the promise settles first. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

/** A port that was free a moment ago on 127.0.0.1 (bind to 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Poll http://127.0.0.1:PORT/PATH until it answers 200, the child dies, or the deadline passes. */
export async function waitForHttp200(child: Child, port: number, path: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`${child.name} exited (${child.process.signalCode ?? child.process.exitCode}); see ${child.stderrPath}:\n${tail(child.stderrPath)}`);
    }
    if ((await httpStatus(port, path)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${child.name} was not ready on 127.0.0.1:${port}${path} after ${timeoutMs} ms; see ${child.stderrPath}:\n${tail(child.stderrPath)}`);
}

let clockTicks: number | undefined;

/** Clock ticks per second for /proc/PID/stat (getconf CLK_TCK, usually 100). */
export function clkTck(): number {
  if (clockTicks === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      clockTicks = Number.isFinite(value) && value > 0 ? value : 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU time of a process so far, in microseconds, from /proc/PID/stat; NaN once it is gone. */
export function cpuMicros(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return Number.NaN;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) / clkTck()) * 1e6;
}

/** Peak resident set size (VmHWM) of a live process, in bytes; NaN once it is gone. */
export function peakRssBytes(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Wait until something accepts TCP connections on 127.0.0.1:PORT (nginx and haproxy print no ready line). */
export async function waitForPort(child: Child, port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`${child.name} exited (${child.process.signalCode ?? child.process.exitCode}); see ${child.stderrPath}:\n${tail(child.stderrPath)}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${child.name} was not listening on 127.0.0.1:${port} after ${timeoutMs} ms; see ${child.stderrPath}:\n${tail(child.stderrPath)}`);
}
