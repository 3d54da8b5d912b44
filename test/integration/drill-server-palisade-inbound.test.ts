// Server drill against a Palisade inbound listener with mTLS, certificate-bound bearer tokens
// (least privilege enforced) and RFC 9421 signatures: it resists every server scenario.
import { generateKeyPairSync } from 'node:crypto';
import { exportPKCS8 } from 'jose';
import { describe, expect, it } from 'vitest';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import type { RunningSidecar } from '../helpers/sidecar.js';
import { AUDIENCE, ISSUER, issuerKey, jwks, tokensConfig } from '../helpers/tokens.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { outcomes, runDrillJson, stagingCa, writeDrillFile } from '../helpers/drill.js';

let pki: TestPki;
let upstream: TestUpstream;
let sidecar: RunningSidecar;
let tokenKeyPath: string;
let signKeyPath: string;

withScenario((started) => ({ pki, upstream, sidecar } = started), {
  sidecar: async ({ pki }) => {
    const issuer = await issuerKey('issuer-1');
    tokenKeyPath = pki.write('issuer-key.pem', await exportPKCS8(issuer.privateKey));
    const jwksPath = pki.write('jwks.json', jwks(issuer));
    const pair = generateKeyPairSync('ed25519');
    signKeyPath = pki.write('frontend-sign.pem', pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    pki.write('frontend-key.pub.pem', pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    return {
      routes: [{ name: 'orders', methods: ['POST'], path: '/api/orders', allow: [IDS.frontend], scopes: { allOf: ['orders:write'] }, signature: {} }],
      listener: {
        tokens: tokensConfig(jwksPath, { leastPrivilege: 'deny', binding: { required: true } }),
        signatures: { keys: [{ keyid: 'frontend-key', algorithm: 'ed25519', identity: IDS.frontend, key: 'frontend-key.pub.pem' }], maxAgeMs: 60_000 },
      },
    };
  },
});

describe('server drill: Palisade inbound listener with tokens and signatures', () => {
  it('resists every server scenario', async () => {
    const file = writeDrillFile(pki, 'drill.yaml', {
      name: 'palisade-inbound',
      ca: stagingCa(pki),
      servers: [
        {
          name: 'orders',
          url: `${sidecar.url}/api/orders`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"item":"book","qty":1}',
          tls: { cert: pki.frontend.cert, key: pki.frontend.key, ca: pki.caPath },
          token: { key: tokenKeyPath, alg: 'ES256', kid: 'issuer-1', issuer: ISSUER, audience: AUDIENCE, subject: IDS.frontend, scopes: ['orders:write'], bindToCert: true },
          signature: { key: signKeyPath, algorithm: 'ed25519', keyid: 'frontend-key' },
        },
      ],
    });
    const { cli, report } = await runDrillJson(pki, file);
    expect(report.baselines[0]).toMatchObject({ ok: true, status: 200 });
    const result = outcomes(report);
    expect(Object.keys(result)).toHaveLength(18);
    for (const [name, outcome] of Object.entries(result)) expect(outcome, name).toBe('resisted');
    expect(cli.code).toBe(0);
    // Only the baseline reached the app.
    expect(upstream.received).toHaveLength(1);
    // The sidecar's reasons: each forgery was refused for what it forged.
    const reasons = sidecar.logs.requests().map((line) => line['reason']);
    expect(reasons).toEqual(expect.arrayContaining(['identity_not_allowed', 'cert_is_ca', 'token_missing', 'token_expired', 'wrong_audience', 'token_invalid', 'token_binding_mismatch', 'token_overprivileged', 'signature_missing', 'digest_mismatch', 'signature_invalid', 'signature_replayed', 'signature_expired']));
  });
});
