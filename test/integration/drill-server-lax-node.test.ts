// Server drill against a lax Node server: requestCert: true, rejectUnauthorized: false, and no
// token check. It lets in every impostor certificate (and no certificate at all) and every
// forged token; only its TLS 1.2 floor refuses the TLS 1.0 impostor.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportPKCS8 } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePki, type TestPki } from '../helpers/pki.js';
import { issuerKey } from '../helpers/tokens.js';
import { outcomes, runDrillCli, runDrillJson, stagingCa, writeDrillFile } from '../helpers/drill.js';

let pki: TestPki;
let server: Server;
let file: string;

beforeAll(async () => {
  pki = await makePki();
  server = createServer({ cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"orders":[]}');
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const key = await issuerKey('drill-issuer');
  const keyPath = pki.write('issuer-key.pem', await exportPKCS8(key.privateKey));
  file = writeDrillFile(pki, 'drill.yaml', {
    name: 'lax-node',
    ca: stagingCa(pki),
    servers: [
      {
        name: 'lax-node',
        url: `https://localhost:${(server.address() as AddressInfo).port}/api/orders`,
        tls: { cert: pki.frontend.cert, key: pki.frontend.key, ca: pki.caPath },
        token: { key: keyPath, alg: 'ES256', kid: 'drill-issuer', issuer: 'https://issuer.staging', audience: 'orders', scopes: ['orders:read'] },
      },
    ],
  });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  pki.cleanup();
});

describe('server drill: Node server with requestCert and no verification', () => {
  it('is vulnerable to the TLS drills and every forged token', async () => {
    const { cli, report } = await runDrillJson(pki, file);
    expect(report.baselines).toEqual([expect.objectContaining({ target: 'lax-node', ok: true, status: 200 })]);
    expect(outcomes(report)).toEqual({
      no_client_cert: 'vulnerable',
      self_signed_client: 'vulnerable',
      untrusted_ca_client: 'vulnerable',
      wrong_identity_client: 'vulnerable',
      expired_client: 'vulnerable',
      ca_as_leaf_client: 'vulnerable',
      tls10_client: 'resisted',
      no_token: 'vulnerable',
      expired_token: 'vulnerable',
      wrong_audience: 'vulnerable',
      alg_none: 'vulnerable',
      token_bound_to_other_cert: 'vulnerable',
      overprivileged_token: 'vulnerable',
    });
    expect(report.results.find((r) => r.scenario === 'overprivileged_token')?.informational).toBe(true);
    expect(report.results.find((r) => r.scenario === 'no_client_cert')?.status).toBe(200);
    expect(cli.code).toBe(1);
  });

  it('prints the text report', async () => {
    const text = await runDrillCli(file);
    expect(text.stdout).toMatch(/^palisade drill lax-node: 13 scenario\(s\): 11 vulnerable, 0 error, 1 informational, 1 resisted/);
    console.log(text.stdout);
  });
});
