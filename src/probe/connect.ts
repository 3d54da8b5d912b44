// One TLS connection attempt, bounded by a timeout, and what it showed. Every check family builds
// on this: it never throws, it reports.
//
// `negotiated` is true when the server picked a version and suite from what we offered, even when
// the handshake then failed: OpenSSL emits the key-log line only after the server's choice was
// made and keys were derived. That tells "TLS 1.2 with AES128-SHA accepted, but a client
// certificate is required" apart from "refused", without a client certificate.
import { X509Certificate } from 'node:crypto';
import { connect, type ConnectionOptions, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** SNI; none for an IP address. */
  readonly servername?: string;
}

export interface AttemptOptions {
  readonly minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher string for TLS 1.2 and older; `@SECLEVEL=0` is appended. */
  readonly ciphers?: string;
  /** TLS 1.3 suites, colon-separated. */
  readonly ciphersuites?: string;
  readonly groups?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Trust bundle PEM; default Node's bundled roots. */
  readonly ca?: string;
  readonly session?: Buffer;
  readonly alpn?: string[];
  /** After the handshake, send `GET path` and read the status line. */
  readonly httpPath?: string;
  readonly timeoutMs: number;
}

export interface AttemptResult {
  readonly negotiated: boolean;
  readonly handshake: boolean;
  /** Node's error code (ERR_SSL_..., ECONNRESET, ETIMEDOUT), when the attempt failed. */
  readonly error?: string;
  readonly timedOut: boolean;
  readonly protocol?: string;
  readonly cipher?: string;
  readonly group?: string;
  readonly alpn?: string;
  readonly authorized?: boolean;
  readonly authorizationError?: string;
  /** Leaf first, as Node links them (issuer order, not necessarily the order sent). */
  readonly chain?: X509Certificate[];
  readonly session?: Buffer;
  readonly reused?: boolean;
  /** HTTP status of the answer to `httpPath`, when one came. */
  readonly httpStatus?: number;
  /** Why no HTTP status came, when `httpPath` was asked for and the handshake completed. */
  readonly httpError?: string;
}

function peerChain(socket: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true) as DetailedPeerCertificate;
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}

function groupName(socket: TLSSocket): string | undefined {
  const info = socket.getEphemeralKeyInfo() as { type?: string; name?: string; size?: number } | null;
  if (!info || !info.type) return undefined;
  return info.name ?? `${info.type}-${info.size ?? '?'}`;
}

export function attempt(endpoint: Endpoint, options: AttemptOptions): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let negotiated = false;
    let handshake = false;
    let session: Buffer | undefined;
    let facts: Partial<AttemptResult> = {};
    let settled = false;
    let response = '';
    const tlsOptions: ConnectionOptions = {
      host: endpoint.host,
      port: endpoint.port,
      ...(endpoint.servername ? { servername: endpoint.servername } : {}),
      rejectUnauthorized: false,
      // The probe judges the name itself (certificate check); the handshake must not stop on it.
      checkServerIdentity: () => undefined,
      minVersion: options.minVersion ?? 'TLSv1',
      maxVersion: options.maxVersion ?? 'TLSv1.3',
      ciphers: `${options.ciphers ?? 'ALL:COMPLEMENTOFALL'}${options.ciphersuites ? `:${options.ciphersuites}` : ''}:@SECLEVEL=0`,
      ...(options.groups ? { ecdhCurve: options.groups } : {}),
      ...(options.cert && options.key ? { cert: options.cert, key: options.key } : {}),
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.session ? { session: options.session } : {}),
      ...(options.alpn ? { ALPNProtocols: options.alpn } : {}),
    };
    let socket: TLSSocket;
    const finish = (extra: Partial<AttemptResult>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve({ negotiated: negotiated || handshake, handshake, timedOut: false, ...facts, ...(session ? { session } : {}), ...extra });
    };
    const timer = setTimeout(() => {
      // A handshake that completed but an HTTP answer that never came is not a timeout of the TLS part.
      if (handshake && options.httpPath) finish({ httpError: 'no HTTP answer before the timeout' });
      else finish({ error: 'ETIMEDOUT', timedOut: true });
    }, options.timeoutMs);
    try {
      socket = connect(tlsOptions);
    } catch (error) {
      finish({ error: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
      return;
    }
    socket.on('keylog', () => {
      negotiated = true;
    });
    socket.on('session', (data: Buffer) => {
      session = data;
    });
    socket.on('secureConnect', () => {
      handshake = true;
      facts = {
        protocol: socket.getProtocol() ?? undefined,
        cipher: socket.getCipher()?.standardName,
        group: groupName(socket),
        alpn: socket.alpnProtocol || undefined,
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String((socket.authorizationError as unknown as { code?: string }).code ?? socket.authorizationError) : undefined,
        chain: peerChain(socket),
        reused: socket.isSessionReused(),
      };
      if (!options.httpPath) {
        // TLS 1.3 tickets arrive just after the handshake; give them a moment when a session is wanted.
        if (facts.protocol === 'TLSv1.3') setTimeout(() => finish({}), 50);
        else finish({});
        return;
      }
      const host = endpoint.servername ?? (endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host);
      socket.write(`GET ${options.httpPath} HTTP/1.1\r\nHost: ${host}:${endpoint.port}\r\nUser-Agent: palisade-probe\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      response += chunk.toString('latin1');
      const line = response.split('\r\n')[0] ?? '';
      const match = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(line);
      if (match) finish({ httpStatus: Number(match[1]) });
      else if (response.length > 8192 || (response.includes('\r\n') && !line.startsWith('HTTP/'))) finish({ httpError: 'the answer is not HTTP' });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (handshake) finish({ httpError: error.code ?? error.message });
      else finish({ error: error.code ?? error.message });
    });
    socket.on('close', () => {
      if (handshake) finish(options.httpPath ? { httpError: 'closed without an HTTP answer' } : {});
      else finish({ error: 'ECONNRESET' });
    });
  });
}
