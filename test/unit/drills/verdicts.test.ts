import { describe, expect, it } from 'vitest';
import { clientVerdict } from '../../../src/drills/client-drill.js';
import { renderText } from '../../../src/drills/report-text.js';
import { serverVerdict } from '../../../src/drills/server-drill.js';
import { classifyError } from '../../../src/drills/server-request.js';
import type { DrillResult } from '../../../src/drills/scenario.js';

const observed = (over: Partial<Parameters<typeof clientVerdict>[0]>) => ({ connections: 0, handshakes: 0, handshakeErrors: [], requests: [], ...over });

describe('client verdicts', () => {
  it('vulnerable on a request, naming leaked credentials but not the client certificate', () => {
    const verdict = clientVerdict(observed({ connections: 1, handshakes: 1, requests: [{ method: 'POST', path: '/pay', credentials: ['bearer token', 'signature', 'client certificate'] }] }), '');
    expect(verdict).toMatchObject({ outcome: 'vulnerable', evidence: 'sent POST /pay with client certificate; leaked credential: bearer token, signature' });
    expect(clientVerdict(observed({ connections: 1, requests: [{ method: 'GET', path: '/', credentials: [] }] }), '').evidence).toBe('sent GET / (no credential)');
  });

  it('resisted when it connected and gave up; error when it never connected', () => {
    expect(clientVerdict(observed({ connections: 1, handshakeErrors: ['aborted the handshake (tlsv1 alert unknown ca)'] }), '')).toEqual({ outcome: 'resisted', evidence: 'aborted the handshake (tlsv1 alert unknown ca)' });
    expect(clientVerdict(observed({ connections: 1, handshakes: 1 }), '').evidence).toBe('completed the handshake, then closed without sending a request');
    expect(clientVerdict(observed({}), 'the command exited 7')).toEqual({ outcome: 'error', evidence: 'the client never connected (the command exited 7)' });
  });
});

describe('server verdicts', () => {
  it('reads statuses and refusals', () => {
    expect(serverVerdict({ kind: 'response', status: 204 })[0]).toBe('vulnerable');
    expect(serverVerdict({ kind: 'response', status: 401 })[0]).toBe('resisted');
    expect(serverVerdict({ kind: 'response', status: 403 })[0]).toBe('resisted');
    expect(serverVerdict({ kind: 'response', status: 404 })).toEqual(['error', 'answered 404: neither accepted like the baseline nor refused with 401/403']);
    expect(serverVerdict({ kind: 'refused', why: 'x' })[0]).toBe('resisted');
  });

  it('tells a server refusal from our own failure', () => {
    const error = (code: string, message = code) => Object.assign(new Error(message), { code });
    expect(classifyError(error('EPROTO', 'write EPROTO 80AC:error:0A00042E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../x.c:1601'))).toEqual({ kind: 'refused', why: 'handshake refused: tlsv1 alert protocol version' });
    expect(classifyError(error('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')).kind).toBe('refused');
    expect(classifyError(error('ECONNRESET')).kind).toBe('refused');
    expect(classifyError(error('ECONNREFUSED')).kind).toBe('error');
    expect(classifyError(error('DEPTH_ZERO_SELF_SIGNED_CERT')).kind).toBe('error');
    expect(classifyError(error('ERR_TLS_CERT_ALTNAME_INVALID')).kind).toBe('error');
    expect(classifyError(error('ERR_SSL_NO_PROTOCOLS_AVAILABLE')).kind).toBe('error');
  });
});

describe('text report', () => {
  const result = (scenario: string, outcome: DrillResult['outcome'], informational = false): DrillResult => ({
    family: 'client',
    scenario,
    target: 't',
    outcome,
    informational,
    forges: '',
    resistedWhen: '',
    evidence: `${scenario} evidence`,
    durationMs: 1,
  });

  it('lists worst first and keeps catalogue order within a rank', () => {
    const text = renderText({
      drill: 'd',
      startedAt: '',
      finishedAt: '',
      baselines: [{ family: 'client', target: 't', ok: true, evidence: 'ok', durationMs: 1 }],
      results: [result('a', 'resisted'), result('b', 'vulnerable', true), result('c', 'error'), result('d', 'vulnerable'), result('e', 'vulnerable')],
    });
    const order = text
      .split('\n')
      .filter((line) => /^\S.*client:t/.test(line))
      .map((line) => line.split(/\s+/)[0]);
    expect(order).toEqual(['d', 'e', 'c', 'b', 'a']);
    expect(text.split('\n')[0]).toBe('palisade drill d: 5 scenario(s): 2 vulnerable, 1 error, 1 informational, 1 resisted');
  });
});
