// A verified mTLS peer that writes raw bytes on its own schedule (slow headers, slow or
// stalled bodies) and collects whatever the sidecar answers until the connection closes.
import { connect } from 'node:tls';
import type { CertFiles, TestPki } from './pki.js';

export interface RawExchange {
  /** Everything the sidecar sent, as latin1. */
  readonly response: string;
}

/**
 * Connect, run `script` with a write function, and resolve with the response once the sidecar
 * closes the connection (bounded by `timeoutMs`, after which the peer gives up).
 */
export function rawPeer(port: number, pki: TestPki, who: CertFiles, script: (write: (text: string) => void) => void, timeoutMs = 15_000): Promise<RawExchange> {
  return new Promise((resolve) => {
    let response = '';
    const socket = connect({ host: '127.0.0.1', port, ca: pki.ca.certPem, cert: who.certPem, key: who.keyPem, servername: 'localhost' }, () => {
      script((text) => {
        if (!socket.destroyed) socket.write(text);
      });
    });
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (response += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ response }));
  });
}
