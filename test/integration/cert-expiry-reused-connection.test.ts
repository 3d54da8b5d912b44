// Expiry is not skipped by connection reuse. OpenSSL checks a certificate's validity period only
// at a full handshake: a keep-alive connection opened before the client certificate's notAfter,
// and a TLS 1.2 session resumed from its ticket after it, both get 401 cert_expired from the
// per-request policy check once notAfter has passed; a full handshake is refused.
import { connect, type TLSSocket } from 'node:tls';
import { expect, test } from 'vitest';
import { tryHandshake } from '../helpers/client.js';
import { IDS, type CertFiles, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { sleep } from '../helpers/wait.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;

withScenario((started) => ({ pki, upstream, sidecar } = started));

function open(client: CertFiles, session?: Buffer): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port: sidecar.port, servername: 'localhost', ca: pki.ca.certPem, cert: client.certPem, key: client.keyPem, maxVersion: 'TLSv1.2', session },
      () => resolve(socket),
    );
    socket.setTimeout(5_000, () => socket.destroy(new Error('timeout')));
    socket.once('error', reject);
  });
}

/** One keep-alive HTTP/1.1 exchange; resolves with the status and the JSON body. */
function exchange(socket: TLSSocket): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: (\d+)/i.exec(buffer.slice(0, end))?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      socket.off('data', onData);
      resolve({ status: Number(buffer.slice(9, 12)), body: buffer.slice(end + 4, end + 4 + length) });
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed; got ${buffer}`)));
    socket.write('GET /public/x HTTP/1.1\r\nHost: localhost\r\n\r\n');
  });
}

test('a client certificate that expires is refused on a kept-alive connection and on a resumed session', async () => {
  // X.509 times have whole seconds: notAfter 3 s from now, rounded down.
  const notAfter = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_000);
  const shortLived = await pki.issue('short-lived', { uris: [IDS.frontend], notAfter });

  const kept = await open(shortLived);
  expect((await exchange(kept)).status).toBe(200);
  const session = kept.getSession();
  expect(session).toBeDefined();

  await sleep(notAfter.getTime() - Date.now() + 1_100);

  // 1. The connection made while the certificate was valid.
  const reused = await exchange(kept);
  expect(reused.status).toBe(401);
  expect(JSON.parse(reused.body)['reason']).toBe('cert_expired');
  kept.destroy();

  // 2. A session resumed from the ticket of that connection: OpenSSL does not look at the dates.
  const resumed = await open(shortLived, session);
  expect(resumed.isSessionReused()).toBe(true);
  const answer = await exchange(resumed);
  resumed.destroy();
  expect(answer.status).toBe(401);
  expect(JSON.parse(answer.body)['reason']).toBe('cert_expired');

  // 3. A full handshake: OpenSSL refuses the expired certificate.
  const fresh = await tryHandshake(sidecar.port, { ca: pki.ca.certPem, cert: shortLived.certPem, key: shortLived.keyPem, maxVersion: 'TLSv1.2' });
  expect(fresh.ok).toBe(false);
  expect(upstream.received).toHaveLength(1);
});
