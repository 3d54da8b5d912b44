// Client drill against `curl -k`: a client that verifies nothing completes a request to every
// impostor with a certificate, and the bearer token it sends is reported as leaked (by kind,
// never by value). Its OpenSSL still refuses TLS 1.0, and it never speaks plaintext.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../helpers/pki.js';
import { outcomes, runDrillCli, runDrillJson, stagingCa, writeDrillFile } from '../helpers/drill.js';

const SECRET = 'drill-planted-secret-token';
let pki: TestPki;
let file: string;

beforeAll(async () => {
  pki = await makePki();
  file = writeDrillFile(pki, 'drill.yaml', {
    name: 'curl-insecure',
    ca: stagingCa(pki),
    clients: [
      {
        name: 'curl-k',
        genuine: { cert: pki.server.cert, key: pki.server.key },
        path: '/api/orders',
        command: `curl -sk -o /dev/null --max-time 5 -H "authorization: Bearer ${SECRET}" {url}`,
      },
    ],
  });
});
afterAll(() => pki.cleanup());

describe('client drill: curl -k', () => {
  it('is vulnerable to every certificate forgery and leaks its bearer token', async () => {
    const { cli, report } = await runDrillJson(pki, file);
    expect(report.baselines).toEqual([expect.objectContaining({ target: 'curl-k', ok: true })]);
    expect(outcomes(report)).toEqual({
      self_signed: 'vulnerable',
      untrusted_ca: 'vulnerable',
      wrong_identity: 'vulnerable',
      expired: 'vulnerable',
      not_yet_valid: 'vulnerable',
      weak_key: 'vulnerable',
      sha1_signature: 'vulnerable',
      ca_as_leaf: 'vulnerable',
      no_server_auth_eku: 'vulnerable',
      downgrade_tls10: 'resisted',
      plaintext: 'resisted',
      no_client_cert_request: 'vulnerable',
    });
    const selfSigned = report.results.find((r) => r.scenario === 'self_signed');
    expect(selfSigned?.request).toEqual({ method: 'GET', path: '/api/orders', credentials: ['bearer token'] });
    expect(selfSigned?.evidence).toContain('leaked credential: bearer token');
    expect(report.results.find((r) => r.scenario === 'no_client_cert_request')?.informational).toBe(true);
    expect(cli.code).toBe(1);
    // One audit line per attempt (baseline + 12), and the token value nowhere.
    const audit = cli.stderr.split('\n').filter((line) => line.includes('"type":"drill_attempt"'));
    expect(audit).toHaveLength(13);
    expect(cli.stderr + cli.stdout).not.toContain(SECRET);
  });

  it('prints a worst-first table', async () => {
    const text = await runDrillCli(file);
    expect(text.code).toBe(1);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe('palisade drill curl-insecure: 12 scenario(s): 9 vulnerable, 0 error, 1 informational, 2 resisted');
    const rows = lines.filter((line) => /client:curl-k\s/.test(line)).map((line) => line.split(/\s{2,}/)[2]);
    expect(rows).toEqual([...Array(9).fill('VULNERABLE'), 'vulnerable (info)', 'resisted', 'resisted']);
    expect(text.stdout + text.stderr).not.toContain(SECRET);
    console.log(text.stdout);
  });
});
