// A hand-built TLS ClientHello and a reader for the server's first flight, for what OpenSSL's
// client API cannot show or cannot send:
//   - the certificate chain exactly as sent (order, extra roots), and the CA names a
//     CertificateRequest lists: both travel in the clear up to TLS 1.2;
//   - TLS_FALLBACK_SCSV (RFC 7507), which Node cannot add to a ClientHello;
//   - an offer of DEFLATE compression, which this OpenSSL is built without;
//   - the renegotiation_info extension in the ServerHello (RFC 5746 secure renegotiation).
// The reader stops at ServerHelloDone or the first alert; it never completes a handshake.
import { connect, type Socket } from 'node:net';
import type { Endpoint } from './connect.js';

export const TLS_VERSIONS = { 'TLSv1': 0x0301, 'TLSv1.1': 0x0302, 'TLSv1.2': 0x0303 } as const;
export type RawVersion = keyof typeof TLS_VERSIONS;

export interface RawHelloOptions {
  readonly version: RawVersion;
  readonly cipherCodes: readonly number[];
  readonly fallbackScsv?: boolean;
  /** Offer DEFLATE (1) before null (0). */
  readonly offerCompression?: boolean;
  readonly timeoutMs: number;
}

export interface ServerFlight {
  /** Alert description number, when the server answered with an alert. */
  readonly alert?: number;
  readonly error?: string;
  readonly serverHello?: {
    readonly version: number;
    readonly cipher: number;
    readonly compression: number;
    readonly extensions: readonly number[];
  };
  /** DER certificates in the order the server sent them. */
  readonly certificates: readonly Buffer[];
  /** Present when the server sent a CertificateRequest: the DER distinguished names it listed. */
  readonly certificateRequest?: { readonly caNames: readonly Buffer[] };
}

export const ALERT_INAPPROPRIATE_FALLBACK = 86;
export const ALERT_PROTOCOL_VERSION = 70;
export const EXT_RENEGOTIATION_INFO = 0xff01;

const GROUPS = [0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101];
// Modern first, then SHA-1 and the RSA-PKCS#1 forms old servers need to sign anything at all.
const SIGALGS = [0x0403, 0x0503, 0x0603, 0x0807, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201, 0x0402, 0x0202];

function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value);
  return out;
}

function u24(value: number): Buffer {
  return Buffer.from([(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]);
}

function vector16(body: Buffer): Buffer {
  return Buffer.concat([u16(body.length), body]);
}

function extension(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), vector16(body)]);
}

export function buildClientHello(servername: string | undefined, options: RawHelloOptions): Buffer {
  const version = TLS_VERSIONS[options.version];
  const codes = [...options.cipherCodes, ...(options.fallbackScsv ? [0x5600] : [])];
  const extensions: Buffer[] = [];
  if (servername) {
    const name = Buffer.from(servername, 'ascii');
    extensions.push(extension(0x0000, vector16(Buffer.concat([Buffer.from([0]), vector16(name)]))));
  }
  extensions.push(extension(0x000a, vector16(Buffer.concat(GROUPS.map(u16)))));
  extensions.push(extension(0x000b, Buffer.from([1, 0])));
  if (version >= 0x0303) extensions.push(extension(0x000d, vector16(Buffer.concat(SIGALGS.map(u16)))));
  extensions.push(extension(0x0017, Buffer.alloc(0)));
  extensions.push(extension(EXT_RENEGOTIATION_INFO, Buffer.from([0])));
  const random = Buffer.alloc(32);
  for (let i = 0; i < 32; i += 1) random[i] = Math.floor(Math.random() * 256);
  const compression = options.offerCompression ? Buffer.from([2, 1, 0]) : Buffer.from([1, 0]);
  const body = Buffer.concat([u16(version), random, Buffer.from([0]), vector16(Buffer.concat(codes.map(u16))), compression, vector16(Buffer.concat(extensions))]);
  const handshake = Buffer.concat([Buffer.from([1]), u24(body.length), body]);
  // Record-layer version 0x0301: what real clients send, and what old servers require.
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), u16(handshake.length), handshake]);
}

/** Reads records until ServerHelloDone, an alert, or the buffer makes no sense. */
class FlightReader {
  private records = Buffer.alloc(0);
  private handshake = Buffer.alloc(0);
  readonly certificates: Buffer[] = [];
  serverHello: ServerFlight['serverHello'];
  certificateRequest: ServerFlight['certificateRequest'];
  alert: number | undefined;
  problem: string | undefined;
  done = false;

  constructor(private readonly version: number) {}

  push(chunk: Buffer): void {
    this.records = Buffer.concat([this.records, chunk]);
    while (!this.done && this.records.length >= 5) {
      const type = this.records[0] as number;
      const length = this.records.readUInt16BE(3);
      if (length > 18_432) return this.fail('record too long');
      if (this.records.length < 5 + length) return;
      const fragment = this.records.subarray(5, 5 + length);
      this.records = this.records.subarray(5 + length);
      if (type === 21) {
        this.alert = fragment[1];
        this.done = true;
      } else if (type === 22) {
        this.handshake = Buffer.concat([this.handshake, fragment]);
        this.readHandshake();
      } else if (type === 20) {
        this.done = true;
      } else {
        return this.fail(`unexpected record type ${type}`);
      }
    }
    if (this.records.length > 0 && this.records[0] !== 21 && this.records[0] !== 22 && this.records[0] !== 20) this.fail('not TLS');
  }

  private fail(problem: string): void {
    this.problem = problem;
    this.done = true;
  }

  private readHandshake(): void {
    while (!this.done && this.handshake.length >= 4) {
      const type = this.handshake[0] as number;
      const length = this.handshake.readUIntBE(1, 3);
      if (length > 262_144) return this.fail('handshake message too long');
      if (this.handshake.length < 4 + length) return;
      const body = this.handshake.subarray(4, 4 + length);
      this.handshake = this.handshake.subarray(4 + length);
      try {
        this.message(type, body);
      } catch {
        return this.fail(`malformed handshake message ${type}`);
      }
    }
  }

  private message(type: number, body: Buffer): void {
    switch (type) {
      case 2: {
        let at = 34;
        const sessionLength = body[at] as number;
        at += 1 + sessionLength;
        const cipher = body.readUInt16BE(at);
        const compression = body[at + 2] as number;
        at += 3;
        const extensions: number[] = [];
        if (at + 2 <= body.length) {
          const end = at + 2 + body.readUInt16BE(at);
          at += 2;
          while (at + 4 <= end) {
            extensions.push(body.readUInt16BE(at));
            at += 4 + body.readUInt16BE(at + 2);
          }
        }
        this.serverHello = { version: body.readUInt16BE(0), cipher, compression, extensions };
        return;
      }
      case 11: {
        const end = 3 + body.readUIntBE(0, 3);
        let at = 3;
        while (at + 3 <= end) {
          const length = body.readUIntBE(at, 3);
          this.certificates.push(Buffer.from(body.subarray(at + 3, at + 3 + length)));
          at += 3 + length;
        }
        return;
      }
      case 13: {
        let at = 1 + (body[0] as number);
        if (this.version >= 0x0303) at += 2 + body.readUInt16BE(at);
        const end = at + 2 + body.readUInt16BE(at);
        at += 2;
        const caNames: Buffer[] = [];
        while (at + 2 <= end) {
          const length = body.readUInt16BE(at);
          caNames.push(Buffer.from(body.subarray(at + 2, at + 2 + length)));
          at += 2 + length;
        }
        this.certificateRequest = { caNames };
        return;
      }
      case 14:
        this.done = true;
        return;
      default:
        return;
    }
  }
}

/** Send one ClientHello and read the server's first flight. Never throws; bounded by the timeout. */
export function serverFlight(endpoint: Endpoint, options: RawHelloOptions): Promise<ServerFlight> {
  const reader = new FlightReader(TLS_VERSIONS[options.version]);
  return new Promise((resolve) => {
    let socket: Socket | undefined;
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve({
        ...(reader.alert !== undefined ? { alert: reader.alert } : {}),
        ...(error ?? reader.problem ? { error: error ?? reader.problem } : {}),
        ...(reader.serverHello ? { serverHello: reader.serverHello } : {}),
        certificates: reader.certificates,
        ...(reader.certificateRequest ? { certificateRequest: reader.certificateRequest } : {}),
      });
    };
    const timer = setTimeout(() => finish('ETIMEDOUT'), options.timeoutMs);
    socket = connect({ host: endpoint.host, port: endpoint.port });
    socket.on('connect', () => socket?.write(buildClientHello(endpoint.servername, options)));
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      if (reader.done) finish();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish(reader.serverHello ? undefined : (error.code ?? error.message)));
    socket.on('close', () => finish(reader.serverHello || reader.alert !== undefined ? undefined : 'ECONNRESET'));
  });
}
