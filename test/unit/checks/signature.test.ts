// The signature check on hand-built requests with real RFC 9421 signatures made by
// src/signatures (whose output the RFC vector tests pin): every reason it can return, in the
// order it checks, the Accept-Signature it offers with signature_missing, the facts it records,
// and the replay memory that only remembers a request that passed everything.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { signatureCheck } from '../../../src/checks/signature.js';
import { digestOf, formatContentDigest, parseComponentText, signMessage, type HttpRequestMessage } from '../../../src/signatures/index.js';
import { checkContext, reasons, TEST_AUTHORITY, type CheckContext, type RequestSpec } from '../../helpers/check-context.js';
import { signEcdsa } from '../../helpers/ecdsa-signer.js';
import { IDS, makePki, type TestPki } from '../../helpers/pki.js';

interface SigningKey {
  readonly keyid: string;
  readonly privateKey: KeyObject;
}

let pki: TestPki;
let listener: CheckContext;
let frontendKey: SigningKey;
let intruderKey: SigningKey;
let strayKey: SigningKey;
let ecdsaKey: SigningKey;

const ROUTES = [
  { name: 'api', methods: ['GET', 'POST'], path: '/api/**', allow: [IDS.frontend, IDS.intruder], signature: {} },
  { name: 'covered', methods: ['POST'], path: '/covered/**', allow: [IDS.frontend], signature: { components: ['@method', '@path', 'content-type'], label: 'app' } },
  { name: 'optional', path: '/optional/**', allow: [IDS.frontend], signature: { required: false } },
  { name: 'plain', path: '/plain/**', allow: [IDS.frontend] },
];

function keyPair(keyid: string, type: 'ed25519' | 'ec' = 'ed25519'): SigningKey {
  const pair = type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  pki.write(`${keyid}.pub.pem`, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  return { keyid, privateKey: pair.privateKey };
}

function signaturesSection(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    keys: [
      { keyid: 'frontend-key', algorithm: 'ed25519', identity: IDS.frontend, key: 'frontend-key.pub.pem' },
      { keyid: 'intruder-key', algorithm: 'ed25519', identity: IDS.intruder, key: 'intruder-key.pub.pem' },
      { keyid: 'ecdsa-key', algorithm: 'ecdsa-p256-sha256', identity: IDS.frontend, key: 'ecdsa-key.pub.pem' },
    ],
    maxAgeMs: 60_000,
    clockSkewMs: 5_000,
    ...extra,
  };
}

beforeAll(async () => {
  pki = await makePki();
  frontendKey = keyPair('frontend-key');
  intruderKey = keyPair('intruder-key');
  strayKey = keyPair('stray-key');
  ecdsaKey = keyPair('ecdsa-key', 'ec');
  listener = checkContext(pki, { routes: ROUTES, listener: { signatures: signaturesSection() } });
});
afterAll(() => pki?.cleanup());

interface Signing {
  method?: string;
  target?: string;
  headers?: Record<string, string>;
  body?: string;
  key?: SigningKey;
  components?: string[];
  label?: string;
  created?: number | null;
  expires?: number;
  nonce?: string;
}

const now = () => Math.floor(Date.now() / 1000);

/** A request spec signed as a client would sign it (Content-Digest first when there is a body). */
function signed(spec: Signing): RequestSpec {
  const method = spec.method ?? 'POST';
  const target = spec.target ?? '/api/orders';
  const headers: Record<string, string> = { host: TEST_AUTHORITY, ...spec.headers };
  if (spec.body !== undefined) headers['content-digest'] = formatContentDigest('sha-256', digestOf(spec.body, 'sha-256'));
  const components = spec.components ?? ['@method', '@target-uri', ...(spec.body !== undefined ? ['content-digest'] : [])];
  const message: HttpRequestMessage = { kind: 'request', method, target, scheme: 'https', authority: TEST_AUTHORITY, headers: Object.entries(headers) };
  const key = spec.key ?? frontendKey;
  const fields = signMessage(message, {
    label: spec.label ?? 'sig1',
    components: components.map(parseComponentText),
    algorithm: 'ed25519',
    key: key.privateKey,
    params: { created: spec.created === null ? undefined : (spec.created ?? now()), expires: spec.expires, nonce: spec.nonce, keyid: key.keyid },
  });
  return { method, target, headers: { ...headers, 'signature-input': fields.signatureInput, signature: fields.signature }, ...(spec.body !== undefined ? { body: spec.body } : {}) };
}

const only = async (spec: RequestSpec) => listener.run(signatureCheck, spec);

test('a fresh signature by the caller’s own registered key, with a matching Content-Digest, passes and is recorded', async () => {
  const request = listener.request(signed({ body: '{"id":7}', nonce: 'pass-1' }));
  expect(await listener.run(signatureCheck, request)).toEqual([]);
  expect(request.facts.get('signatureVerification')).toEqual({ keyid: 'frontend-key', result: 'success', reason: 'none' });
});

test('no signature on a route that requires one → signature_missing with Accept-Signature (content-digest added for a body)', async () => {
  const bodiless = listener.request({ method: 'GET', target: '/api/orders' });
  expect(await listener.run(signatureCheck, bodiless)).toEqual([
    { check: 'signature', reason: 'signature_missing', severity: 'deny', detail: 'no Signature-Input / Signature', acceptSignature: 'sig1=("@method" "@target-uri");created' },
  ]);
  expect(bodiless.facts.get('signatureVerification')).toEqual({ keyid: 'none', result: 'failure', reason: 'signature_missing' });
  const withBody = await only({ method: 'POST', target: '/api/orders', body: 'x' });
  expect(withBody[0]?.acceptSignature).toBe('sig1=("@method" "@target-uri" "content-digest");created');
});

test('a signature under another label than the route names → signature_missing', async () => {
  const findings = await only(signed({ target: '/covered/x', components: ['@method', '@path', 'content-type'], headers: { 'content-type': 'application/json' } }));
  expect(findings.map((finding) => [finding.reason, finding.detail])).toEqual([['signature_missing', 'no signature with label app']]);
});

test('unparseable signature fields → signature_invalid', async () => {
  const findings = await only({ method: 'GET', target: '/api/orders', headers: { 'signature-input': 'sig1=("@method";created=1', signature: 'sig1=:AAAA:' } });
  expect(reasons(findings)).toEqual(['signature_invalid']);
});

test('a signature that does not cover what the route requires → signature_components_missing', async () => {
  expect((await only(signed({ method: 'GET', components: ['@method'] }))).map((finding) => finding.detail)).toEqual(['signature sig1 does not cover "@target-uri" (or "@authority" and "@path")']);
  expect((await only(signed({ body: 'x', components: ['@method', '@target-uri'] }))).map((finding) => finding.detail)).toEqual(['signature sig1 does not cover "content-digest"']);
  const covered = await only(signed({ target: '/covered/x', label: 'app', components: ['@method', '@path'], headers: { 'content-type': 'application/json' } }));
  expect(reasons(covered)).toEqual(['signature_components_missing']);
});

test.each([
  ['no created parameter', { created: null }, 'has no created parameter'],
  ['created in the future beyond the skew', { created: now() + 60 }, 'in the future'],
  ['created longer ago than max age and skew', { created: now() - 120 }, 'max age 60s'],
  ['expires in the past', { created: now() - 20, expires: now() - 10 }, 'expired'],
])('%s → signature_expired', async (_name, timing, detail) => {
  const findings = await only(signed({ method: 'GET', ...timing }));
  expect(reasons(findings)).toEqual(['signature_expired']);
  expect(findings[0]?.detail).toContain(detail);
});

test('a keyid that is not registered → unknown_key (metric label "unknown")', async () => {
  const request = listener.request(signed({ method: 'GET', key: strayKey }));
  expect(reasons(await listener.run(signatureCheck, request))).toEqual(['unknown_key']);
  expect(request.facts.get('signatureVerification')).toEqual({ keyid: 'unknown', result: 'failure', reason: 'unknown_key' });
});

test('a signature that does not verify (method changed after signing) → signature_invalid', async () => {
  const spec = signed({ method: 'GET' });
  expect(reasons(await only({ ...spec, method: 'POST' }))).toEqual(['signature_invalid']);
});

test('another identity’s registered key → key_identity_mismatch', async () => {
  const findings = await only({ ...signed({ method: 'GET', key: intruderKey }), who: pki.frontend });
  expect(findings.map((finding) => [finding.reason, finding.detail])).toEqual([['key_identity_mismatch', `key intruder-key belongs to ${IDS.intruder}`]]);
  // The same request from the key's own identity passes.
  expect(await only({ ...signed({ method: 'GET', key: intruderKey }), who: pki.intruder })).toEqual([]);
});

test('a body that does not match its Content-Digest → digest_mismatch; a body over maxBodyBytes → body_too_large', async () => {
  const spec = signed({ body: '{"amount":1}' });
  expect((await only({ ...spec, body: '{"amount":9}' })).map((finding) => [finding.reason, finding.detail])).toEqual([['digest_mismatch', expect.stringContaining('sha-256')]]);
  const small = checkContext(pki, { routes: ROUTES, listener: { signatures: signaturesSection({ maxBodyBytes: 8 }) } });
  expect(reasons(await small.run(signatureCheck, signed({ body: 'more than eight bytes' })))).toEqual(['body_too_large']);
});

test('a Content-Digest in no accepted algorithm → digest_mismatch', async () => {
  const sha512Only = checkContext(pki, { routes: ROUTES, listener: { signatures: signaturesSection({ digestAlgorithms: ['sha-512'] }) } });
  expect((await sha512Only.run(signatureCheck, signed({ body: 'x' }))).map((finding) => finding.detail)).toEqual(['Content-Digest uses no accepted algorithm']);
});

test('the same signed request twice → signature_replayed, by nonce and without one', async () => {
  const withNonce = signed({ method: 'GET', nonce: 'replay-1' });
  expect(await only(withNonce)).toEqual([]);
  expect((await only(withNonce)).map((finding) => [finding.reason, finding.detail])).toEqual([['signature_replayed', 'nonce seen before']]);
  const withoutNonce = signed({ method: 'GET', target: '/api/no-nonce' });
  expect(await only(withoutNonce)).toEqual([]);
  expect((await only(withoutNonce)).map((finding) => finding.detail)).toEqual(['the same signed content was seen before']);
});

test('a forgery does not burn the nonce: only a request that passed everything is remembered', async () => {
  const good = signed({ method: 'GET', target: '/api/burn', nonce: 'burn-1' });
  expect(reasons(await only({ ...good, method: 'POST' }))).toEqual(['signature_invalid']);
  expect(await only(good)).toEqual([]);
});

test('ECDSA high-s: accepted by default, refused with ecdsaHighS: reject (signature_invalid)', async () => {
  const request = { method: 'GET', authority: TEST_AUTHORITY, path: '/api/orders' };
  const twin = (created: number) => {
    const ecdsa = signEcdsa('p256', ecdsaKey.privateKey, request, `;created=${created};keyid="ecdsa-key"`);
    return { method: 'GET', target: '/api/orders', headers: { 'signature-input': `sig1=${ecdsa.params}`, signature: `sig1=:${ecdsa.high.toString('base64')}:` } };
  };
  expect(await only(twin(now()))).toEqual([]);
  const strict = checkContext(pki, { routes: ROUTES, listener: { signatures: signaturesSection({ ecdsaHighS: 'reject' }) } });
  const findings = await strict.run(signatureCheck, twin(now() - 1));
  expect(reasons(findings)).toEqual(['signature_invalid']);
  expect(findings[0]?.detail).toContain('high s');
});

test('an optional signature may be absent, but one that is sent is checked; a route without a rule answers synchronously', async () => {
  expect(await only({ method: 'GET', target: '/optional/x' })).toEqual([]);
  expect(reasons(await only({ ...signed({ method: 'GET', target: '/optional/x' }), method: 'POST' }))).toEqual(['signature_invalid']);
  expect(listener.answer(signatureCheck, { method: 'GET', target: '/plain/x' })).toEqual([]);
});
