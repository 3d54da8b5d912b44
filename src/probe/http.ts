// What else the TLS port does: answer plaintext HTTP, resume a session whose full handshake was
// refused, allow client-initiated renegotiation, compress.
import { connect as tcpConnect } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import type { Finding } from '../report/findings.js';
import { attempt, type Endpoint } from './connect.js';
import { TLS12_SUITES } from './cipher-suites.js';
import { finding } from './finding.js';
import { verdictOf } from './mtls.js';
import { EXT_RENEGOTIATION_INFO, serverFlight } from './raw-hello.js';
import type { CheckOutcome, ProbeContext } from './types.js';

/** The status line a plaintext GET gets, or why none came. */
export function plaintextAnswer(endpoint: Endpoint, timeoutMs: number): Promise<{ status?: number; other?: string }> {
  return new Promise((resolve) => {
    let data = '';
    const socket = tcpConnect({ host: endpoint.host, port: endpoint.port });
    const done = (value: { status?: number; other?: string }) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done({ other: 'no answer before the timeout' }), timeoutMs);
    socket.on('connect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${endpoint.servername ?? endpoint.host}\r\nUser-Agent: palisade-probe\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const match = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(data);
      if (match) done({ status: Number(match[1]) });
      else if (data.length >= 12 || !'HTTP/1.1 200'.startsWith(data.slice(0, 12))) done({ other: data.startsWith('\x15') ? 'a TLS alert' : 'a non-HTTP answer' });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => done({ other: error.code ?? error.message }));
    socket.on('close', () => done({ other: 'closed without an answer' }));
  });
}

const RENEGOTIATION_WAIT_MS = 2_000;

/** Complete a TLS 1.2 handshake, then ask for a renegotiation; resolves with whether it succeeded. */
function clientRenegotiation(endpoint: Endpoint, options: { cert?: string; key?: string; timeoutMs: number }): Promise<{ accepted: boolean; detail: string }> {
  return new Promise((resolve) => {
    let socket: TLSSocket | undefined;
    const done = (value: { accepted: boolean; detail: string }) => {
      clearTimeout(timer);
      socket?.destroy();
      resolve(value);
    };
    // A server that refuses by ignoring the request (no alert) would otherwise cost a full timeout.
    const timer = setTimeout(() => done({ accepted: false, detail: 'not completed (no answer to the renegotiation request)' }), Math.min(options.timeoutMs, RENEGOTIATION_WAIT_MS));
    socket = connect({
      host: endpoint.host,
      port: endpoint.port,
      ...(endpoint.servername ? { servername: endpoint.servername } : {}),
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.2',
      ciphers: 'ALL:@SECLEVEL=0',
      ...(options.cert && options.key ? { cert: options.cert, key: options.key } : {}),
    });
    socket.on('error', (error: NodeJS.ErrnoException) => done({ accepted: false, detail: `refused (${error.code ?? error.message})` }));
    socket.on('secureConnect', () => {
      const started = socket?.renegotiate({ rejectUnauthorized: false }, (error) => {
        if (error) done({ accepted: false, detail: `refused (${(error as NodeJS.ErrnoException).code ?? error.message})` });
        else done({ accepted: true, detail: 'a renegotiation the client asked for completed' });
      });
      if (started === false) done({ accepted: false, detail: 'not attempted: the socket refused to start it' });
    });
  });
}

export async function checkHttp(context: ProbeContext): Promise<CheckOutcome> {
  const started = Date.now();
  const { target, budget } = context;
  const findings: Finding[] = [];
  const facts: Record<string, unknown> = {};

  const plain = await budget.run((timeoutMs) => plaintextAnswer(target, timeoutMs));
  if (!plain) facts['plaintext'] = 'not tested: deadline reached';
  else if (plain.status === undefined) facts['plaintext'] = `no HTTP answer (${plain.other})`;
  else {
    facts['plaintext'] = `HTTP ${plain.status}`;
    if (plain.status < 400) findings.push(finding('plaintext_accepted', `a plaintext GET / got HTTP ${plain.status}`));
  }

  // Resumption: a session the server refused at the HTTP layer must stay refused when resumed.
  const resumed: Record<string, string> = {};
  for (const refused of context.refusedSessions) {
    const result = await budget.run((timeoutMs) => attempt(target, { ca: target.ca, session: refused.session, alpn: ['http/1.1'], httpPath: '/', timeoutMs }));
    const { verdict, detail } = verdictOf(result);
    resumed[refused.what] = `${result?.reused ? 'resumed' : 'not resumed'}: ${verdict}: ${detail}`;
    if (result?.reused && verdict === 'accepted') findings.push(finding('resumption_skips_client_auth', `the session of the refused attempt with ${refused.what} was resumed and got ${detail}`));
  }
  if (target.cert && target.key && context.first.session) {
    const result = await budget.run((timeoutMs) => attempt(target, { ca: target.ca, session: context.first.session, alpn: ['http/1.1'], httpPath: '/', timeoutMs }));
    resumed['baseline session, no certificate'] = `${result?.reused ? 'resumed' : 'not resumed'}: ${verdictOf(result).detail}`;
  }
  facts['resumption'] = Object.keys(resumed).length > 0 ? resumed : 'nothing to resume: no refused attempt left a session';

  const legacy = context.versions ? ['TLSv1', 'TLSv1.1', 'TLSv1.2'].some((version) => context.versions?.get(version)) : context.flight?.serverHello !== undefined;
  if (!legacy) {
    facts['renegotiation'] = 'not applicable: TLS 1.3 has no renegotiation';
    facts['compression'] = 'not applicable: TLS 1.3 has no compression';
  } else {
    const reneg = await budget.run((timeoutMs) => clientRenegotiation(target, { cert: target.cert, key: target.key, timeoutMs }));
    facts['clientRenegotiation'] = reneg?.detail ?? 'not tested: deadline reached';
    if (reneg?.accepted) findings.push(finding('client_renegotiation_accepted', reneg.detail));
    const flight = context.flight;
    if (flight?.serverHello) {
      const secure = flight.serverHello.extensions.includes(EXT_RENEGOTIATION_INFO);
      facts['secureRenegotiation'] = secure ? 'supported (RFC 5746)' : 'not supported';
      if (!secure) findings.push(finding('insecure_renegotiation', 'the ServerHello carries no renegotiation_info extension'));
    }
    const compressed = await budget.run((timeoutMs) => serverFlight(target, { version: 'TLSv1.2', cipherCodes: TLS12_SUITES.map((suite) => suite.code), offerCompression: true, timeoutMs }));
    if (compressed?.serverHello) {
      facts['compression'] = compressed.serverHello.compression === 0 ? 'none (DEFLATE offered and declined)' : `method ${compressed.serverHello.compression}`;
      if (compressed.serverHello.compression !== 0) findings.push(finding('tls_compression', `offered DEFLATE; the server chose compression method ${compressed.serverHello.compression}`));
    } else facts['compression'] = 'not tested: no TLS 1.2 ServerHello';
  }
  return { findings, facts, durationMs: Date.now() - started };
}
