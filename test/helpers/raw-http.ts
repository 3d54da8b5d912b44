// Hand-written HTTP/1.1 over a real socket: mTLS to the inbound listener, plain TCP to the
// egress listener. HTTP clients normalize away what these tests send on purpose (a second
// Host, a header name with "_", 150 header fields, ";" in a path), so the bytes are written
// by hand, and one response is read back.
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { loadConfigObject } from '../../src/config/load.js';
import { certificateFactory } from '../../src/certs/factory.js';
import { Sidecar } from '../../src/sidecar.js';
import { egressUpstream } from './egress.js';
import { LogCapture } from './logs.js';
import type { CertFiles, TestPki } from './pki.js';
import { sidecarConfig, type SidecarOptions } from './sidecar.js';

export interface RawResponse {
  readonly status: number;
  /** [name, value] pairs in wire order, names lower-cased. */
  readonly headers: Array<[string, string]>;
  readonly body: string;
  /** The `reason` of a JSON denial body, when there is one. */
  readonly reason: string | undefined;
}

function readOne(socket: Socket, send: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) {
        settled = true;
        socket.destroy();
        reject(error ?? new Error(`no response; got ${data.toString('latin1').slice(0, 200)}`));
        return;
      }
      const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
      const headers = lines.map((line): [string, string] => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
      });
      const length = Number(headers.find(([name]) => name === 'content-length')?.[1] ?? NaN);
      if (Number.isFinite(length) && data.length < end + 4 + length && !error) return;
      settled = true;
      socket.destroy();
      const body = data.subarray(end + 4, Number.isFinite(length) ? end + 4 + length : undefined).toString('utf8');
      let reason: string | undefined;
      try {
        reason = (JSON.parse(body) as { reason?: string }).reason;
      } catch {
        reason = undefined;
      }
      resolve({ status: Number(statusLine?.split(' ')[1]), headers, body, reason });
    };
    socket.setTimeout(10_000, () => finish(new Error('timeout')));
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish());
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(data.subarray(0, end).toString('latin1'))?.[1] ?? NaN);
      if (Number.isFinite(length) && data.length >= end + 4 + length) finish();
    });
    socket.write(send);
  });
}

/** One request over mTLS, as `who` (default pki.frontend). */
export function rawTls(port: number, pki: TestPki, request: string | Buffer, who: CertFiles = pki.frontend): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, ca: pki.ca.certPem, cert: who.certPem, key: who.keyPem, servername: 'localhost' }, () => {
      readOne(socket, request).then(resolve, reject);
    });
    socket.once('error', reject);
  });
}

/** One request over plain TCP (the local app calling the egress listener). */
export function rawPlain(port: number, request: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: '127.0.0.1', port }, () => {
      readOne(socket, request).then(resolve, reject);
    });
    socket.once('error', reject);
  });
}

/** A request head from lines; ends with the blank line. */
export function head(...lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export interface BothWays {
  readonly sidecar: Sidecar;
  readonly inboundPort: number;
  readonly egressPort: number;
  readonly adminUrl: string;
  readonly logs: LogCapture;
  close(): Promise<void>;
}

/**
 * One sidecar with the inbound listener in front of `options.upstreamUrl` and an egress listener
 * ("out") whose upstream "orders" is `egressTo` (an mTLS upstream); `egress` merges into it.
 */
export async function startBothWays(pki: TestPki, options: SidecarOptions & { egressTo: string; egress?: Record<string, unknown> }): Promise<BothWays> {
  const config = sidecarConfig(pki, {
    ...options,
    top: { ...options.top, egress: [{ name: 'out', address: '127.0.0.1', port: 0, upstreams: [egressUpstream(pki, 'orders', options.egressTo)], ...options.egress }] },
  });
  const loaded = loadConfigObject(config, pki.dir);
  if (!loaded.ok) throw new Error(`test config invalid:\n${loaded.errors.join('\n')}`);
  const logs = new LogCapture();
  const sidecar = new Sidecar(loaded.value, { logDestination: logs, certificates: certificateFactory });
  const addresses = await sidecar.start();
  return {
    sidecar,
    inboundPort: addresses.inbound['app']?.port as number,
    egressPort: addresses.egress['out']?.port as number,
    adminUrl: `http://127.0.0.1:${addresses.admin.port}`,
    logs,
    close: () => sidecar.close(),
  };
}
