// The signature config (issue 5): defaults, strict keys, every error with its key path, and
// key files that do not load reported at their key.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfigObject } from '../../../src/config/load.js';
import { IDS, makePki, type TestPki } from '../../helpers/pki.js';
import { sidecarConfig } from '../../helpers/sidecar.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki();
  pki.write('ed.pub.pem', generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string);
  pki.write('p256.pub.pem', generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string);
});
afterAll(() => pki.cleanup());

function config(signatures: Record<string, unknown> | undefined, signature: Record<string, unknown> | undefined = {}): Record<string, any> {
  return sidecarConfig(pki, {
    upstreamUrl: 'http://127.0.0.1:8080',
    routes: [{ name: 'api', path: '/api/**', allow: [IDS.frontend], ...(signature ? { signature } : {}) }],
    listener: signatures ? { signatures } : {},
  });
}

test('a signature config loads with its documented defaults', () => {
  const result = loadConfigObject(config({ keys: [{ keyid: 'k1', algorithm: 'ed25519', identity: IDS.frontend, key: 'ed.pub.pem' }] }), pki.dir);
  expect(result.ok).toBe(true);
  if (!result.ok) return;
  const section = result.value.config.inbound[0]!.signatures!;
  expect(section).toMatchObject({ maxAgeMs: 300_000, clockSkewMs: 5_000, replayCacheSize: 100_000, maxBodyBytes: 1_048_576, digestAlgorithms: ['sha-256', 'sha-512'] });
  expect(result.value.config.inbound[0]!.routes[0]!.signature).toEqual({ required: true });
  expect(result.value.signatures.inbound.get('app')?.get('k1')?.algorithm).toBe('ed25519');
});

test('schema errors name their key path', () => {
  const result = loadConfigObject(
    config(
      {
        keys: [
          { keyid: 'k1', algorithm: 'ed448', identity: IDS.frontend, key: 'ed.pub.pem' },
          { keyid: 'k1', algorithm: 'ed25519', identity: 'regex:.*', key: 'ed.pub.pem', jwks: 'x.json' },
        ],
        maxAge: 1,
      },
      { components: ['@method', '"@query-param"'], surprise: true },
    ),
    pki.dir,
  );
  expect(result.ok).toBe(false);
  if (result.ok) return;
  const text = result.errors.join('\n');
  expect(text).toContain('inbound[0].signatures.maxAge: unknown key');
  expect(text).toMatch(/inbound\[0\]\.signatures\.keys\[0\]\.algorithm: /);
  expect(text).toMatch(/inbound\[0\]\.signatures\.keys\[1\]\.identity: /);
  expect(text).toMatch(/inbound\[0\]\.signatures\.keys\[1\]: needs exactly one of key/);
  expect(text).toContain('inbound[0].routes[0].signature.surprise: unknown key');
  expect(text).toMatch(/inbound\[0\]\.routes\[0\]\.signature\.components\[1\]: not a valid RFC 9421 component identifier/);
});

test('a route signature without the listener key registry is an error', () => {
  const result = loadConfigObject(config(undefined), pki.dir);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.errors).toContain('inbound[0].routes[0].signature: needs inbound[0].signatures (the key registry)');
});

test('key files that are missing or do not fit the algorithm are reported at their key', () => {
  const result = loadConfigObject(
    config({
      keys: [
        { keyid: 'k1', algorithm: 'ed25519', identity: IDS.frontend, key: 'missing.pem' },
        { keyid: 'k2', algorithm: 'ed25519', identity: IDS.frontend, key: 'p256.pub.pem' },
        { keyid: 'k3', algorithm: 'hmac-sha256', identity: IDS.frontend, key: 'ed.pub.pem' },
      ],
    }),
    pki.dir,
  );
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors[0]).toMatch(/^inbound\[0\]\.signatures\.keys\[0\]\.key: file not found: missing\.pem/);
  expect(result.errors[1]).toMatch(/^inbound\[0\]\.signatures\.keys\[1\]\.key: not a usable ed25519 key: ed25519 needs an Ed25519 key, not ec/);
  expect(result.errors[2]).toMatch(/^inbound\[0\]\.signatures\.keys\[2\]\.key: not a usable hmac-sha256 key/);
});
