// Client drill against Node's https.request with the staging CA: it verifies the chain, the
// validity, the host name and serverAuth, so it resists those forgeries. Two real findings:
// Node's OpenSSL runs at security level 1, so an RSA-1024 server key passes (weak_key), and a
// CA:true certificate from the trusted CA with the right names passes too (ca_as_leaf).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../helpers/pki.js';
import { outcomes, runDrillJson, stagingCa, writeDrillFile } from '../helpers/drill.js';

const CLIENT = fileURLToPath(new URL('../helpers/node-https-client.mjs', import.meta.url));
let pki: TestPki;

beforeAll(async () => {
  pki = await makePki();
});
afterAll(() => pki.cleanup());

describe('client drill: Node https.request with a CA', () => {
  it('resists the forgeries except an RSA-1024 key and a CA:true leaf', async () => {
    const file = writeDrillFile(pki, 'drill.yaml', {
      name: 'node-ca',
      ca: stagingCa(pki),
      clients: [{ name: 'node-verifying', genuine: { cert: pki.server.cert, key: pki.server.key }, command: `"${process.execPath}" ${CLIENT} {url} --ca ${pki.caPath}` }],
    });
    const { cli, report } = await runDrillJson(pki, file);
    const result = outcomes(report);
    for (const [name, outcome] of Object.entries(result)) {
      expect(outcome, name).toBe(['weak_key', 'ca_as_leaf', 'no_client_cert_request'].includes(name) ? 'vulnerable' : 'resisted');
    }
    expect(Object.keys(result)).toHaveLength(12);
    expect(report.results.find((r) => r.scenario === 'untrusted_ca')?.evidence).toMatch(/^aborted the handshake/);
    expect(cli.code).toBe(1);
  });
});
