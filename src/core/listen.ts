// Binding a server and learning the address it got (port 0 picks a free port): every listener
// Palisade opens, the sidecar's, the admin's and the broker's, binds through this, so a bind
// failure (EADDRINUSE, EACCES) rejects the start instead of surfacing later as an 'error' event.
import type { AddressInfo, Server } from 'node:net';

export function listenOn(server: Server, port: number, address: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}
