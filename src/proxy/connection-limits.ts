// Connection caps of one listener, enforced where each is cheapest:
//
//   accept      total (server.maxConnections) and per peer IP address
//               (server.maxConnectionsPerAddress): the socket is closed before TLS or HTTP
//               sees it, so a flood of silent connections costs a file descriptor for a moment,
//               not a TLS state for the whole handshake timeout.
//   handshake   per verified peer identity (server.maxConnectionsPerIdentity), for an
//               identity that spreads its connections over many addresses.
//
// Connections already open keep working; only new ones are refused, and each refusal is
// reported (palisade_connections_refused_total) through `events`.
import type { Server, Socket } from 'node:net';
import type { ConnectionRefusal } from '../core/reasons.js';

export interface ConnectionCaps {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress?: number;
  readonly maxConnectionsPerIdentity?: number;
}

export interface ConnectionEvents {
  opened(): void;
  closed(): void;
  refused(reason: ConnectionRefusal): void;
}

export class ConnectionLimits {
  private open = 0;
  private readonly perAddress = new Map<string, number>();
  private readonly perIdentity = new Map<string, number>();

  /**
   * Takes over the server's 'connection' listeners (TLS or HTTP set them up in the server's
   * constructor), so a refused socket never reaches them.
   */
  constructor(
    server: Server,
    private caps: ConnectionCaps,
    private readonly events: ConnectionEvents,
  ) {
    const downstream = server.listeners('connection') as Array<(socket: Socket) => void>;
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      if (this.accept(socket)) for (const listener of downstream) listener.call(server, socket);
    });
  }

  get size(): number {
    return this.open;
  }

  /** Reload: new caps apply to connections accepted from now on. */
  update(caps: ConnectionCaps): void {
    this.caps = caps;
  }

  /** After the handshake: false (and the caller closes the socket) when the identity is at its cap. */
  admitIdentity(socket: Socket, identity: string): boolean {
    const limit = this.caps.maxConnectionsPerIdentity;
    if (limit === undefined) return true;
    const held = this.perIdentity.get(identity) ?? 0;
    if (held >= limit) {
      this.events.refused('max_connections_per_identity');
      return false;
    }
    this.perIdentity.set(identity, held + 1);
    socket.once('close', () => decrement(this.perIdentity, identity));
    return true;
  }

  private accept(socket: Socket): boolean {
    if (this.open >= this.caps.maxConnections) return this.refuse(socket, 'max_connections');
    // remoteAddress is undefined when the peer already left; such a socket is closed anyway.
    const address = socket.remoteAddress ?? '';
    const perAddress = this.caps.maxConnectionsPerAddress;
    const held = this.perAddress.get(address) ?? 0;
    if (perAddress !== undefined && held >= perAddress) return this.refuse(socket, 'max_connections_per_address');
    this.open++;
    this.perAddress.set(address, held + 1);
    this.events.opened();
    socket.once('close', () => {
      this.open--;
      decrement(this.perAddress, address);
      this.events.closed();
    });
    return true;
  }

  private refuse(socket: Socket, reason: ConnectionRefusal): false {
    // An RST rather than a FIN: nothing was said, and no TIME_WAIT is left on our side.
    socket.resetAndDestroy();
    this.events.refused(reason);
    return false;
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left <= 0) counts.delete(key);
  else counts.set(key, left);
}
