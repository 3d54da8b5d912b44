// Client drill against Node's https.request with rejectUnauthorized: false: vulnerable to the
// certificate forgeries, and its bearer token is reported as leaked.
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

describe('client drill: Node https.request, rejectUnauthorized: false', () => {
  it('is vulnerable to the certificate forgeries', async () => {
    const file = writeDrillFile(pki, 'drill.yaml', {
      name: 'node-insecure',
      ca: stagingCa(pki),
      clients: [{ name: 'node-insecure', genuine: { cert: pki.server.cert, key: pki.server.key }, command: `"${process.execPath}" ${CLIENT} {url} --insecure` }],
    });
    const { cli, report } = await runDrillJson(pki, file);
    const result = outcomes(report);
    for (const name of ['self_signed', 'untrusted_ca', 'wrong_identity', 'expired', 'not_yet_valid', 'weak_key', 'sha1_signature', 'ca_as_leaf', 'no_server_auth_eku']) {
      expect(result[name], name).toBe('vulnerable');
    }
    expect(result['plaintext']).toBe('resisted');
    expect(report.results.find((r) => r.scenario === 'expired')?.request?.credentials).toEqual(['bearer token']);
    expect(cli.code).toBe(1);
  });
});
