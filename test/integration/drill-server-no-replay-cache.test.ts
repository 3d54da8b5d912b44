// Server drill against an app that verifies RFC 9421 signatures itself (its own parser and
// signature base, test/helpers/independent-verifier.ts) but keeps no replay cache: of the
// signature scenarios, only `replayed` gets in.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIndependentVerifier, type IndependentVerifier } from '../helpers/independent-verifier.js';
import { makePki, type TestPki } from '../helpers/pki.js';
import { outcomes, runDrillJson, writeDrillFile } from '../helpers/drill.js';

let pki: TestPki;
let app: IndependentVerifier;
let keyPath: string;

beforeAll(async () => {
  pki = await makePki();
  const pair = generateKeyPairSync('ed25519');
  keyPath = pki.write('frontend-sign.pem', pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  app = await startIndependentVerifier(pki, pki.server, new Map([['frontend-key', pair.publicKey]]));
});
afterAll(async () => {
  await app.close();
  pki.cleanup();
});

describe('server drill: signature verification without a replay cache', () => {
  it('is vulnerable to replayed only', async () => {
    const file = writeDrillFile(pki, 'drill.yaml', {
      name: 'no-replay-cache',
      servers: [
        {
          name: 'signing-app',
          url: `${app.url}/api/orders`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"item":"book","qty":1}',
          tls: { cert: pki.frontend.cert, key: pki.frontend.key, ca: pki.caPath },
          signature: { key: keyPath, algorithm: 'ed25519', keyid: 'frontend-key' },
          scenarios: ['signature_stripped', 'body_tampered', 'header_tampered', 'replayed', 'expired_signature'],
        },
      ],
    });
    const { cli, report } = await runDrillJson(pki, file);
    expect(report.baselines[0]).toMatchObject({ ok: true, status: 200 });
    expect(outcomes(report)).toEqual({
      signature_stripped: 'resisted',
      body_tampered: 'resisted',
      header_tampered: 'resisted',
      replayed: 'vulnerable',
      expired_signature: 'resisted',
    });
    // The app's own reasons: each forgery was refused for what it forged.
    const problems = app.verdicts.slice(1).map((verdict) => verdict.problem ?? 'ok');
    expect(problems).toEqual(['no Signature-Input / Signature', expect.stringMatching(/^content-digest /), 'signature does not verify', 'ok', 'created missing or out of window']);
    expect(cli.code).toBe(1);
  });
});
