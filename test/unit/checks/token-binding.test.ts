// The token-binding check on hand-built requests with real tokens and real certificates: a
// certificate-bound token (RFC 8705 cnf.x5t#S256) must name the presenting certificate, policy
// can require binding, and tokens.subject.matchPeer ties the subject claim to the mTLS peer
// (itself, or through tokens.subject.map). The token check runs first, as in the chain: it
// establishes the `token` fact this check reads.
import { createHash, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tokenBindingCheck } from '../../../src/checks/token-binding.js';
import { tokenCheck } from '../../../src/checks/token.js';
import { checkContext, reasons, type CheckContext, type RequestSpec } from '../../helpers/check-context.js';
import { IDS, makePki, type CertFiles, type TestPki } from '../../helpers/pki.js';
import { bearer, issuerKey, jwks, mint, TOKEN_ROUTES, tokensConfig, type IssuerKey } from '../../helpers/tokens.js';

let pki: TestPki;
let key: IssuerKey;
let jwksPath: string;
let twin: CertFiles;

/** RFC 8705 §3.1, computed here from the certificate's DER (not with the module under test). */
const thumbprint = (cert: CertFiles) => createHash('sha256').update(new X509Certificate(cert.certPem).raw).digest('base64url');

beforeAll(async () => {
  pki = await makePki();
  key = await issuerKey('k1');
  jwksPath = pki.write('binding-jwks.json', jwks(key));
  // The same identity in a second certificate: a stolen token replayed from another key pair.
  twin = await pki.issue('binding-twin', { uris: [IDS.frontend] });
});
afterAll(() => pki?.cleanup());

const listenerWith = (overrides: Record<string, unknown>): CheckContext => checkContext(pki, { routes: TOKEN_ROUTES, listener: { tokens: tokensConfig(jwksPath, overrides) } });

/** The token check, then the binding check, on one request: the binding check's findings. */
async function binding(listener: CheckContext, spec: RequestSpec) {
  const request = listener.request({ method: 'GET', target: '/api/x', ...spec });
  expect(await listener.run(tokenCheck, request)).toEqual([]);
  return listener.run(tokenBindingCheck, request);
}

test('a token bound to the presenting certificate passes; an unbound token passes when binding is optional', async () => {
  const listener = listenerWith({});
  expect(await binding(listener, { who: pki.frontend, headers: bearer(await mint(key, { cnf: { 'x5t#S256': thumbprint(pki.frontend) } })) })).toEqual([]);
  expect(await binding(listener, { who: pki.frontend, headers: bearer(await mint(key)) })).toEqual([]);
});

test('a token bound to another certificate of the same identity → token_binding_mismatch with invalid_token', async () => {
  const findings = await binding(listenerWith({}), { who: twin, headers: bearer(await mint(key, { cnf: { 'x5t#S256': thumbprint(pki.frontend) } })) });
  expect(findings).toEqual([{ check: 'token-binding', reason: 'token_binding_mismatch', severity: 'deny', detail: 'cnf.x5t#S256 names another client certificate', bearer: { error: 'invalid_token' } }]);
});

test('binding.required: an unbound token → token_not_bound; a bound one passes', async () => {
  const listener = listenerWith({ binding: { required: true } });
  expect(await binding(listener, { who: pki.frontend, headers: bearer(await mint(key)) })).toEqual([
    { check: 'token-binding', reason: 'token_not_bound', severity: 'deny', detail: 'policy requires a certificate-bound token (cnf.x5t#S256)', bearer: { error: 'invalid_token' } },
  ]);
  expect(await binding(listener, { who: pki.frontend, headers: bearer(await mint(key, { cnf: { 'x5t#S256': thumbprint(pki.frontend) } })) })).toEqual([]);
});

test('subject.matchPeer: a subject naming another identity → token_binding_mismatch; the peer itself passes', async () => {
  const listener = listenerWith({ subject: { matchPeer: true } });
  expect(await binding(listener, { who: pki.frontend, headers: bearer(await mint(key, { sub: IDS.frontend })) })).toEqual([]);
  const findings = await binding(listener, { who: pki.intruder, headers: bearer(await mint(key, { sub: IDS.frontend })) });
  expect(reasons(findings)).toEqual(['token_binding_mismatch']);
  expect(findings[0]?.detail).toBe('sub does not name the mTLS peer');
});

test('subject.map: a client id maps to the identity pattern it may present; another peer is refused', async () => {
  const listener = listenerWith({ subject: { matchPeer: true, map: { 'frontend-client': IDS.frontend } } });
  expect(await binding(listener, { who: pki.frontend, headers: bearer(await mint(key, { sub: 'frontend-client' })) })).toEqual([]);
  expect(reasons(await binding(listener, { who: pki.intruder, headers: bearer(await mint(key, { sub: 'frontend-client' })) }))).toEqual(['token_binding_mismatch']);
});

test('subject.claim: the named claim is compared, not sub', async () => {
  const listener = listenerWith({ subject: { matchPeer: true, claim: 'client_id' } });
  expect(await binding(listener, { who: pki.frontend, headers: bearer(await mint(key, { sub: 'anything', client_id: IDS.frontend })) })).toEqual([]);
  expect((await binding(listener, { who: pki.frontend, headers: bearer(await mint(key, { sub: IDS.frontend })) })).map((finding) => finding.detail)).toEqual(['client_id does not name the mTLS peer']);
});

test('without a verified token there is nothing to bind: no finding', async () => {
  const listener = listenerWith({ binding: { required: true } });
  expect(await listener.run(tokenBindingCheck, { method: 'GET', target: '/api/x' })).toEqual([]);
});
