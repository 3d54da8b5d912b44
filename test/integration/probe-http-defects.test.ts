// The "HTTP on the port" findings, each from a Node server with exactly that defect:
//   - a port that sniffs the first byte and serves plaintext HTTP as well as TLS;
//   - a server that skips the client-certificate check on resumed sessions;
//   - Node's default of allowing client-initiated renegotiation on TLS 1.2.
// TLS compression and a missing RFC 5746 extension cannot be produced with this OpenSSL (built
// without zlib, and it always sends renegotiation_info), so only their absence is checked.
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { IDS, makePki, type TestPki } from '../helpers/pki.js';
import { ids, probeLocal, startTarget } from '../helpers/probe-target.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki?.cleanup());

test('plaintext_accepted: the TLS port also answers plaintext HTTP', async () => {
  const tls = await startTarget({ cert: pki.server.certPem, key: pki.server.keyPem });
  const plain = createHttpServer((_req, res) => res.writeHead(200).end('plain\n'));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  // One port, two protocols: a TLS record starts with 0x16, anything else goes to plain HTTP.
  // A TCP relay to either real server (handing the socket over would lose the sniffed bytes).
  const front: Server = createNetServer((socket) => {
    socket.once('data', (first: Buffer) => {
      const port = first[0] === 0x16 ? tls.port : (plain.address() as AddressInfo).port;
      const relay = connect({ host: '127.0.0.1', port }, () => relay.write(first));
      socket.pipe(relay).pipe(socket);
      relay.on('error', () => socket.destroy());
      socket.on('error', () => relay.destroy());
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  try {
    const report = await probeLocal((front.address() as AddressInfo).port, { ca: pki.ca.certPem, checks: ['http'] });
    expect(report.findings.find((finding) => finding.id === 'plaintext_accepted')?.detail).toBe('a plaintext GET / got HTTP 200');
  } finally {
    await new Promise((resolve) => front.close(resolve));
    plain.closeAllConnections();
    await new Promise((resolve) => plain.close(resolve));
    await tls.close();
  }
});

test('resumption_skips_client_auth: a refused session works once resumed', async () => {
  // The bug: the app trusts any resumed session, assuming it was verified when it was made.
  const target = await startTarget({ cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const socket = req.socket as TLSSocket;
    if (socket.authorized || socket.isSessionReused()) res.writeHead(200).end('ok\n');
    else res.writeHead(403).end('no\n');
  });
  try {
    const report = await probeLocal(target.port, { ca: pki.ca.certPem, cert: pki.frontend.certPem, key: pki.frontend.keyPem, expectIdentity: IDS.server, checks: ['mtls', 'http'] });
    const finding = report.findings.find((item) => item.id === 'resumption_skips_client_auth');
    expect(finding?.severity, JSON.stringify(report.checks.http?.facts)).toBe('critical');
    // The full handshakes were refused at the HTTP layer: no mTLS finding above low.
    expect(ids(report)).not.toContain('accepts_untrusted_client_cert');
  } finally {
    await target.close();
  }
});

test('client_renegotiation_accepted: Node allows it by default; disableRenegotiation() stops it', async () => {
  const lax = await startTarget({ cert: pki.server.certPem, key: pki.server.keyPem, maxVersion: 'TLSv1.2' });
  const strict = await startTarget({ cert: pki.server.certPem, key: pki.server.keyPem, maxVersion: 'TLSv1.2' });
  strict.server.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());
  try {
    const laxReport = await probeLocal(lax.port, { ca: pki.ca.certPem, checks: ['http'] });
    expect(ids(laxReport)).toContain('client_renegotiation_accepted');
    const strictReport = await probeLocal(strict.port, { ca: pki.ca.certPem, checks: ['http'] });
    expect(ids(strictReport)).not.toContain('client_renegotiation_accepted');
    for (const report of [laxReport, strictReport]) {
      expect(ids(report)).not.toContain('tls_compression');
      expect(ids(report)).not.toContain('insecure_renegotiation');
      expect(report.checks.http?.facts['secureRenegotiation']).toBe('supported (RFC 5746)');
      expect(report.checks.http?.facts['compression']).toBe('none (DEFLATE offered and declined)');
    }
  } finally {
    await lax.close();
    await strict.close();
  }
});
