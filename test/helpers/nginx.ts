// A real nginx (Debian package), started by the test with a config file the test writes, in a
// temp directory of its own. nginx cannot report a port it chose, so the helper picks a free
// loopback port first (bind to 0, read it, close) and retries if another process took it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './wait.js';

export const NGINX = ['/usr/sbin/nginx', 'nginx'].find((candidate) => spawnSync(candidate, ['-v'], { stdio: 'ignore' }).error === undefined);

export interface RunningNginx {
  readonly port: number;
  readonly dir: string;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/**
 * `server` is the body of one `server { }` block without its `listen` line; files it names may use
 * the placeholder DIR for the temp directory (write them with `files`).
 */
export async function startNginx(server: string, files: Record<string, string>): Promise<RunningNginx> {
  if (!NGINX) throw new Error('nginx is not installed (Debian package nginx)');
  const dir = mkdtempSync(join(tmpdir(), 'palisade-nginx-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  for (let tries = 0; tries < 5; tries += 1) {
    const port = await freePort();
    const conf = [
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${dir}/${kind}_temp;`),
      '  server {',
      `    listen 127.0.0.1:${port} ssl;`,
      server.replaceAll('DIR', dir),
      '  }',
      '}',
    ].join('\n');
    writeFileSync(join(dir, 'nginx.conf'), conf);
    const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let waited = 0; waited < 100 && child.exitCode === null; waited += 1) {
      if (await listening(port)) {
        return {
          port,
          dir,
          close: async () => {
            child.kill('SIGTERM');
            await Promise.race([exited, sleep(3_000)]);
            if (child.exitCode === null) child.kill('SIGKILL');
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }
      await sleep(50);
    }
    child.kill('SIGKILL');
    const log = (() => {
      try {
        return readFileSync(join(dir, 'error.log'), 'utf8');
      } catch {
        return '';
      }
    })();
    if (!/Address already in use/.test(stderr + log)) throw new Error(`nginx did not start:\n${stderr}\n${log}`);
  }
  throw new Error('nginx: no free port after 5 tries');
}
