// Client drill against Node's https.request with the staging CA: it verifies the chain, the
// validity, the host name and serverAuth, so it resists those forgeries. Real findings: a
// CA:true certificate from the trusted CA with the right names passes (ca_as_leaf), and where
// Node's OpenSSL runs at security level 1 (Node 20) an RSA-1024 server key passes too
// (weak_key); at level 2 (Node 24) it is refused. Which one this Node does is asked of Node
// itself, with a plain tls.connect, and the drill must agree.
import { connect, createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../helpers/pki.js';
import { outcomes, runDrillJson, stagingCa, writeDrillFile } from '../helpers/drill.js';

const CLIENT = fileURLToPath(new URL('../helpers/node-https-client.mjs', import.meta.url));
let pki: TestPki;

/** Does this Node, verifying against the CA, accept an RSA-1024 server certificate? */
async function nodeAcceptsRsa1024(): Promise<boolean> {
  const weak = await pki.issue('weak-probe', { keyType: 'rsa-1024', dnsNames: ['localhost'], extendedKeyUsages: ['serverAuth'] });
  const server: Server = createServer({ cert: weak.certPem, key: weak.keyPem, ciphers: 'DEFAULT@SECLEVEL=0' }, (socket) => socket.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = await new Promise<boolean>((resolve) => {
    const socket = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', servername: 'localhost', ca: pki.ca.certPem }, () => {
      resolve(socket.authorized);
      socket.destroy();
    });
    socket.once('error', () => resolve(false));
  });
  await new Promise((resolve) => server.close(resolve));
  return accepted;
}

beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki.cleanup());

describe('client drill: Node https.request with a CA', () => {
  it('resists the forgeries except a CA:true leaf (and an RSA-1024 key where Node accepts one)', async () => {
    const file = writeDrillFile(pki, 'drill.yaml', {
      name: 'node-ca',
      ca: stagingCa(pki),
      clients: [{ name: 'node-verifying', genuine: { cert: pki.server.cert, key: pki.server.key }, command: `"${process.execPath}" ${CLIENT} {url} --ca ${pki.caPath}` }],
    });
    const { cli, report } = await runDrillJson(pki, file);
    const result = outcomes(report);
    const vulnerable = ['ca_as_leaf', 'no_client_cert_request', ...((await nodeAcceptsRsa1024()) ? ['weak_key'] : [])];
    for (const [name, outcome] of Object.entries(result)) {
      expect(outcome, name).toBe(vulnerable.includes(name) ? 'vulnerable' : 'resisted');
    }
    expect(Object.keys(result)).toHaveLength(12);
    expect(report.results.find((r) => r.scenario === 'untrusted_ca')?.evidence).toMatch(/^aborted the handshake/);
    expect(cli.code).toBe(1);
  });
});
