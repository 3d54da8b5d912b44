// Client drill against `curl --cacert ca.pem`: a verifying client resists the impostors, and
// cannot notice a server that skips mTLS (no_client_cert_request, informational). One real
// finding: OpenSSL accepts a CA:true certificate as the server's leaf when the CA is trusted
// and the names are right (RFC 5280 lets a CA certificate be an end entity), so ca_as_leaf is
// vulnerable for curl; Palisade's egress listener refuses it (drill-client-palisade-egress).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../helpers/pki.js';
import { outcomes, runDrillJson, stagingCa, writeDrillFile } from '../helpers/drill.js';

let pki: TestPki;

beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki.cleanup());

describe('client drill: curl --cacert', () => {
  it('resists every scenario except ca_as_leaf and no_client_cert_request', async () => {
    const file = writeDrillFile(pki, 'drill.yaml', {
      name: 'curl-cacert',
      ca: stagingCa(pki),
      clients: [{ name: 'curl-verifying', genuine: { cert: pki.server.cert, key: pki.server.key }, command: `curl -s -o /dev/null --max-time 5 --cacert ${pki.caPath} {url}` }],
    });
    const { cli, report } = await runDrillJson(pki, file);
    const expected = Object.fromEntries(
      ['self_signed', 'untrusted_ca', 'wrong_identity', 'expired', 'not_yet_valid', 'weak_key', 'sha1_signature', 'ca_as_leaf', 'no_server_auth_eku', 'downgrade_tls10', 'plaintext'].map((name) => [name, 'resisted']),
    );
    expect(outcomes(report)).toEqual({ ...expected, ca_as_leaf: 'vulnerable', no_client_cert_request: 'vulnerable' });
    // Each refusal carries OpenSSL's reason, e.g. "tlsv1 alert unknown ca".
    expect(report.results.find((r) => r.scenario === 'untrusted_ca')?.evidence).toBe('aborted the handshake (tlsv1 alert unknown ca)');
    expect(report.summary).toMatchObject({ vulnerable: 1, informational: 1, error: 0, resisted: 10 });
    expect(cli.code).toBe(1);
  });
});
