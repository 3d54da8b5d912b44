// The tokens section: strict keys with key paths, defaults, cross-key rules, and file errors.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfigObject } from '../../../src/config/load.js';
import { configuredFiles } from '../../../src/config/watch.js';
import { bearerChallenge } from '../../../src/pipeline/rescue.js';
import { makePki, type TestPki } from '../../helpers/pki.js';
import { sidecarConfig } from '../../helpers/sidecar.js';

let pki: TestPki;
let dir: string;
beforeAll(async () => {
  pki = await makePki();
  dir = mkdtempSync(join(tmpdir(), 'palisade-tokens-'));
});
afterAll(() => {
  pki?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const issuer = (extra: Record<string, unknown> = {}) => ({ name: 'idp', issuer: 'https://idp', audiences: ['svc'], jwks: 'jwks.json', ...extra });
const config = (tokens: unknown, routes?: unknown[]) => sidecarConfig(pki, { upstreamUrl: 'http://127.0.0.1:9', listener: { tokens }, ...(routes ? { routes } : {}) });

test('unknown keys, a bad algorithm, both or neither key source: each reported with its key path', () => {
  const result = loadConfigObject(config({ issuers: [issuer({ algorithms: ['HS256'], bogus: 1 }), issuer({ name: 'two', issuer: 'https://two', jwks: undefined })], leastPrivilege: 'maybe' }), pki.dir);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors).toContain('inbound[0].tokens.issuers[0].bogus: unknown key');
  expect(result.errors.some((error) => error.startsWith('inbound[0].tokens.issuers[0].algorithms[0]:'))).toBe(true);
  expect(result.errors).toContain('inbound[0].tokens.issuers[1]: needs exactly one of jwks (a file) or remote (a URL)');
  expect(result.errors.some((error) => error.startsWith('inbound[0].tokens.leastPrivilege:'))).toBe(true);
});

test('route scopes need a tokens section; remote JWKS must be https', () => {
  const noTokens = loadConfigObject(sidecarConfig(pki, { upstreamUrl: 'http://127.0.0.1:9', routes: [{ name: 'r', path: '/**', allow: ['*'], scopes: { allOf: ['a'] } }] }), pki.dir);
  expect(noTokens.ok ? [] : noTokens.errors).toEqual(['inbound[0].routes[0].scopes: needs a tokens section on the listener']);
  const http = loadConfigObject(config({ issuers: [issuer({ jwks: undefined, remote: { url: 'http://idp/jwks', ca: 'ca.pem' } })] }), pki.dir);
  expect(http.ok ? [] : http.errors).toEqual(['inbound[0].tokens.issuers[0].remote.url: must be an https:// URL']);
});

test('missing or unusable token files are load errors with key paths; defaults apply', () => {
  const missing = loadConfigObject(config({ issuers: [issuer({ jwks: 'nope.json' })], denylist: 'nope.txt' }), dir);
  expect(missing.ok ? [] : missing.errors).toEqual(['inbound[0].tokens.issuers[0].jwks: file not found: nope.json', 'inbound[0].tokens.denylist: file not found: nope.txt']);
  writeFileSync(join(dir, 'private.json'), JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'secret' }] }));
  const leaked = loadConfigObject(config({ issuers: [issuer({ jwks: 'private.json' })] }), dir);
  expect(leaked.ok ? [] : leaked.errors).toEqual(['inbound[0].tokens.issuers[0].jwks: keys[0]: holds private key material ("d"); publish public keys only: private.json']);

  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'a' }] }));
  const ok = loadConfigObject(config({ issuers: [issuer()] }), dir);
  if (!ok.ok) throw new Error(ok.errors.join('\n'));
  expect(ok.value.config.inbound[0]!.tokens).toMatchObject({
    header: 'authorization',
    clockToleranceMs: 30_000,
    maxLifetimeMs: null,
    requireAtJwt: false,
    scopeClaim: 'scope',
    binding: { required: false },
    subject: { claim: 'sub', matchPeer: false, map: {} },
    leastPrivilege: 'report',
    cache: { maxEntries: 10_000 },
    issuers: [{ algorithms: ['ES256', 'RS256'] }],
  });
  // The watcher covers JWKS files, remote trust bundles and the denylist.
  const files = configuredFiles({ inbound: [{ tokens: { issuers: [{ jwks: 'a.json' }, { remote: { ca: 'b.pem' } }], denylist: 'c.txt' } }] }, '/base');
  expect(files).toEqual(['/base/a.json', '/base/b.pem', '/base/c.txt']);
});

test('WWW-Authenticate challenges (RFC 6750)', () => {
  expect(bearerChallenge({})).toBe('Bearer');
  expect(bearerChallenge({ error: 'invalid_token' })).toBe('Bearer error="invalid_token"');
  expect(bearerChallenge({ error: 'insufficient_scope', scope: 'a b' })).toBe('Bearer error="insufficient_scope", scope="a b"');
  expect(bearerChallenge({ error: 'insufficient_scope', scope: 'a"\\b' })).toBe('Bearer error="insufficient_scope", scope="ab"');
});
