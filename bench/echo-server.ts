// Benchmark child process: the demo echo app on 127.0.0.1, plain HTTP.
// Prints one JSON line {"port":N} on stdout once it listens; exits on SIGTERM/SIGINT.
import { startEchoApp } from '../src/demo/echo-app.js';

const app = await startEchoApp(Number(process.argv[2] ?? 0), '127.0.0.1');
process.stdout.write(`${JSON.stringify({ ready: 'echo', port: app.port })}\n`);
const stop = () => {
  void app.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
