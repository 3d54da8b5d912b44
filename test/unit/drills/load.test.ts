import { describe, expect, it } from 'vitest';
import { certificateFactory } from '../../../src/certs/factory.js';
import { loadDrillObject, stagingProblems } from '../../../src/drills/load.js';
import { makePki } from '../../helpers/pki.js';

const STAGING = { PALISADE_ENVIRONMENT: 'staging' };

describe('drill file loading', () => {
  it('names each missing half of the staging gate', () => {
    expect(stagingProblems({ environment: 'staging' }, STAGING)).toEqual([]);
    expect(stagingProblems({}, {})).toEqual([
      'the drill file does not say `environment: staging`: drills run in staging only',
      'PALISADE_ENVIRONMENT is not set: set PALISADE_ENVIRONMENT=staging on the machine that runs drills',
    ]);
    expect(stagingProblems({ environment: 'Staging' }, { PALISADE_ENVIRONMENT: 'prod' })).toHaveLength(2);
  });

  it('refuses before validating anything else', async () => {
    expect(await loadDrillObject({ environment: 'production', bogus: 1 }, '/', STAGING, certificateFactory)).toMatchObject({ ok: false, kind: 'refused' });
  });

  it('reports schema errors with key paths', async () => {
    const result = await loadDrillObject(
      {
        environment: 'staging',
        allow: ['10.0.0.0/99'],
        limitz: {},
        clients: [
          { name: 'a', genuine: { cert: 'c', key: 'k' }, command: 'x', waitMs: 10 },
          { name: 'b', genuine: { cert: 'c', key: 'k' }, waitMs: 10 },
        ],
        servers: [{ name: 'a', url: 'http://x', tls: { cert: 'c', key: 'k', ca: 'ca' }, scenarios: ['nope'] }],
      },
      '/',
      STAGING,
      certificateFactory,
    );
    expect(result).toMatchObject({ ok: false, kind: 'invalid' });
    const errors = (result as { errors: string[] }).errors;
    expect(errors).toEqual(
      expect.arrayContaining([
        'limitz: unknown key',
        expect.stringMatching(/^allow\[0\]: .*0-32/),
        'clients[0].command: give exactly one of command and waitMs',
        expect.stringMatching(/^clients\[1\]\.listen\.port: waitMs needs a fixed port/),
        expect.stringMatching(/^servers\[0\]\.url: /),
        expect.stringMatching(/^servers\[0\]\.scenarios\[0\]: /),
      ]),
    );
  });

  it('needs the staging CA for the scenarios it issues, and a token for token scenarios', async () => {
    const pki = await makePki();
    try {
      const result = await loadDrillObject(
        {
          environment: 'staging',
          allow: ['127.0.0.1'],
          clients: [{ name: 'c', genuine: { cert: pki.server.cert, key: pki.server.key }, command: 'true' }],
          servers: [{ name: 's', url: 'https://127.0.0.1:1/', tls: { cert: pki.frontend.cert, key: pki.server.key, ca: pki.caPath }, scenarios: ['no_token'] }],
        },
        pki.dir,
        STAGING,
        certificateFactory,
      );
      const errors = (result as { errors: string[] }).errors;
      expect(errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^ca: is required: wrong_identity, expired, .* \(clients\[0\]\)/),
          'servers[0].scenarios: no_token needs servers[0].token (the baseline must carry one)',
          expect.stringMatching(/^servers\[0\]\.tls\.key: does not match the certificate/),
        ]),
      );
      const ok = await loadDrillObject(
        { environment: 'staging', allow: ['127.0.0.1'], clients: [{ name: 'c', genuine: { cert: pki.server.cert, key: pki.server.key }, command: 'true', scenarios: ['self_signed', 'plaintext'] }] },
        pki.dir,
        STAGING,
        certificateFactory,
      );
      expect(ok.ok).toBe(true);
    } finally {
      pki.cleanup();
    }
  });
});
