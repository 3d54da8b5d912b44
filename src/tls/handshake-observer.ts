// What a handshake showed (negotiated version, the peer's certificate) kept for the moment the
// handshake is refused.
//
// With rejectUnauthorized, Node verifies the client chain in its own 'secure' listener and
// destroys a refused socket there; by the time `tlsClientError` fires the TLS handle is gone,
// so neither the version nor the certificate can be read, and the refusal could only be
// classified from OpenSSL's verify code (which says UNSPECIFIED for a SHA-1 signature on
// OpenSSL 3.0). Node offers no public event with the server's TLSSocket before that point
// except `keylog`, emitted during the handshake; we use it only to learn the socket (the key
// material is ignored and never stored) and put our own 'secure' listener in front of Node's.
// rejectUnauthorized stays on: this observes a refusal, it never decides one.
import type { X509Certificate } from 'node:crypto';
import type { Server, TLSSocket } from 'node:tls';

export interface ObservedHandshake {
  /** The negotiated protocol version, e.g. TLSv1.3 (known from the first key material on). */
  readonly version: string | null;
  /** The peer's leaf certificate as sent, verified or not; set at the 'secure' stage. */
  readonly certificate: X509Certificate | undefined;
}

export class HandshakeObserver {
  private readonly watching = new WeakSet<TLSSocket>();
  private readonly observed = new WeakMap<TLSSocket, ObservedHandshake>();

  attach(server: Server): void {
    // The first argument is a line of TLS key material: deliberately unused.
    server.on('keylog', (_line: Buffer, socket: TLSSocket) => this.watch(socket));
  }

  /** What the handshake on `socket` showed, if it got as far as the 'secure' stage. */
  get(socket: TLSSocket | undefined): ObservedHandshake | undefined {
    return socket ? this.observed.get(socket) : undefined;
  }

  private watch(socket: TLSSocket): void {
    if (this.watching.has(socket)) return;
    this.watching.add(socket);
    // Key material exists only once a version is agreed (after the ServerHello in TLS 1.3, at
    // the master secret in TLS 1.2), so the version read now is the negotiated one, even if the
    // handshake later times out or is dropped.
    this.observed.set(socket, { version: socket.getProtocol(), certificate: undefined });
    socket.prependListener('secure', () => {
      try {
        this.observed.set(socket, { version: socket.getProtocol(), certificate: socket.getPeerX509Certificate() });
      } catch {
        // A socket torn down mid-handshake has nothing left to read; classification falls back
        // to OpenSSL's codes.
      }
    });
  }
}
