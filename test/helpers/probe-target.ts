// Real TLS targets for probe tests: node:https servers on 127.0.0.1:0 configured as the test
// needs (weak, strong, lax mTLS...), and the probe run in-process against them.
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { certificateFactory } from '../../src/certs/factory.js';
import { runProbe } from '../../src/probe/probe.js';
import { CHECKS, type CheckName, type ProbeReport, type ProbeTarget } from '../../src/probe/types.js';

export interface ProbeTestTarget {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export type TargetHandler = (req: IncomingMessage, res: ServerResponse) => void;

const ok: TargetHandler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
};

export async function startTarget(options: ServerOptions, handler: TargetHandler = ok): Promise<ProbeTestTarget> {
  const server = createServer(options, handler);
  // A refused client certificate surfaces as a socket error on the server: expected here.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ProbeOptions extends Partial<Omit<ProbeTarget, 'host' | 'port' | 'label'>> {
  checks?: CheckName[];
  timeoutMs?: number;
}

/** Probe 127.0.0.1:PORT (name checked: localhost unless given), every check unless `checks`. */
export function probeLocal(port: number, options: ProbeOptions = {}): Promise<ProbeReport> {
  const { checks, timeoutMs, ...rest } = options;
  return runProbe(
    { label: `127.0.0.1:${port}`, host: '127.0.0.1', port, nameToMatch: 'localhost', servername: 'localhost', ...rest },
    { timeoutMs: timeoutMs ?? 5_000, deadlineMs: 60_000, concurrency: 4, checks: new Set(checks ?? CHECKS), certificates: certificateFactory },
  );
}

export function ids(report: ProbeReport): string[] {
  return report.findings.map((finding) => finding.id);
}
