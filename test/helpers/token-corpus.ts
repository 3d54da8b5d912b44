// A corpus of JWTs for the verifier's differential test: valid tokens for every allowed
// algorithm (signed by jose's SignJWT and by node:crypto), and mutations of every part a
// verifier reads: the framing, the base64url text, the header members, the signature bytes,
// the keys, and the claims at and around their limits. Each case is signed with real keys.
import { constants, createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { TokenPolicySchema, type TokenAlgorithm, type TokenPolicyConfig, TOKEN_ALGORITHMS } from '../../src/config/tokens-schema.js';

export const MAIN_ISS = 'https://issuer.corpus.test';
export const NARROW_ISS = 'https://narrow.corpus.test';
export const ODD_ISS = 'https://odd-keys.corpus.test';
export const AUD = 'spiffe://corpus.test/server';

export interface CorpusCase {
  readonly name: string;
  readonly token: string;
  /**
   * Set where the verifier is deliberately stricter than jose: a spelling of base64url that jose's
   * atob-based decoder tolerates (padding, whitespace, non-zero trailing bits) but no conforming
   * signer produces, or a date that JSON.parse makes Infinity. Ours refuses (token_invalid) with
   * this detail; jose accepts the token, or refuses it too (for another reason).
   */
  readonly stricter?: string;
}

interface Signer {
  readonly alg: TokenAlgorithm;
  readonly privateKey: KeyObject;
}

/** Key pairs by kid; `jwks` holds the public halves as the issuers publish them. */
export interface CorpusKeys {
  readonly signers: Record<string, KeyObject>;
  readonly jwks: Record<'main' | 'narrow' | 'odd', string>;
}

const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64url');
/** A JSON value encoded as a JWS part; a string is taken as the JSON text itself. */
const part = (value: unknown) => b64(typeof value === 'string' ? value : JSON.stringify(value));

export function signRaw(alg: string, privateKey: KeyObject, input: string, options: { der?: boolean; saltLength?: number } = {}): Buffer {
  const data = Buffer.from(input, 'latin1');
  const hash = alg.endsWith('256') ? 'sha256' : alg.endsWith('384') ? 'sha384' : 'sha512';
  if (alg === 'EdDSA' || alg === 'Ed25519') return sign(null, data, privateKey);
  if (alg.startsWith('ES')) return sign(hash, data, { key: privateKey, dsaEncoding: options.der ? 'der' : 'ieee-p1363' });
  if (alg.startsWith('PS')) return sign(hash, data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: options.saltLength ?? Number(alg.slice(2)) / 8 });
  return sign(hash, data, privateKey);
}

/** header.payload signed; each of header and payload is a JSON value, or `{ raw }` for an already encoded part. */
function jws(signer: Signer, header: unknown, payload: unknown, options: { der?: boolean; saltLength?: number } = {}): string {
  const encode = (value: unknown) => (value !== null && typeof value === 'object' && 'raw' in (value as object) ? (value as { raw: string }).raw : part(value));
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${b64(signRaw(signer.alg, signer.privateKey, input, options))}`;
}

const ORDERS: Record<string, string> = {
  'P-256': 'FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551',
  'P-384': 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973',
};

/** The same ECDSA signature with s replaced by n − s: as valid, and not low-S. */
function highS(token: string, curve: 'P-256' | 'P-384'): string {
  const [head, body, signature] = token.split('.') as [string, string, string];
  const raw = Buffer.from(signature, 'base64url');
  const half = raw.length / 2;
  const s = BigInt(`0x${raw.subarray(half).toString('hex')}`);
  const flipped = (BigInt(`0x${ORDERS[curve]}`) - s).toString(16).padStart(half * 2, '0');
  return `${head}.${body}.${b64(Buffer.concat([raw.subarray(0, half), Buffer.from(flipped, 'hex')]))}`;
}

/** The last character of a 2- or 3-character base64url tail with a stray low bit set (decodes to the same bytes). */
function nonCanonical(text: string): string | undefined {
  const tail = text.length % 4;
  if (tail !== 2 && tail !== 3) return undefined;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const value = alphabet.indexOf(text.charAt(text.length - 1));
  return text.slice(0, -1) + alphabet.charAt(value | 1);
}

function flipLastByte(token: string): string {
  const [head, body, signature] = token.split('.') as [string, string, string];
  const raw = Buffer.from(signature, 'base64url');
  raw[raw.length - 1] = (raw[raw.length - 1] as number) ^ 0x01;
  return `${head}.${body}.${b64(raw)}`;
}

export function corpusKeys(): CorpusKeys {
  const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve });
  const rsa = (modulusLength: number) => generateKeyPairSync('rsa', { modulusLength });
  const pairs = {
    es256: ec('P-256'),
    'es256-b': ec('P-256'),
    es384: ec('P-384'),
    es512: ec('P-521'),
    rsa: rsa(2048),
    'rsa-other': rsa(2048),
    ed: generateKeyPairSync('ed25519'),
    'ed-other': generateKeyPairSync('ed25519'),
    rsa1024: rsa(1024),
    odd: ec('P-256'),
  };
  const signers = Object.fromEntries(Object.entries(pairs).map(([kid, pair]) => [kid, pair.privateKey])) as Record<string, KeyObject>;
  const jwk = (kid: keyof typeof pairs, extra: Record<string, unknown> = {}) => ({ ...(pairs[kid].publicKey.export({ format: 'jwk' }) as object), kid, ...extra });
  const main = [jwk('es256', { alg: 'ES256' }), jwk('es256-b', { alg: 'ES256' }), jwk('es384', { alg: 'ES384' }), jwk('es512', { alg: 'ES512', use: 'sig' }), jwk('rsa'), jwk('ed')];
  const odd = pairs.odd.publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const offCurve = { ...odd, x: b64(Buffer.alloc(32, 7)) };
  const oddKeys = [
    jwk('rsa1024'),
    { ...odd, kid: 'ops-verify', key_ops: ['verify'] },
    { ...odd, kid: 'ops-sign', key_ops: ['sign'] },
    { ...odd, kid: 'ops-empty', key_ops: [] },
    { ...odd, kid: 'ops-both', key_ops: ['sign', 'verify'] },
    { ...odd, kid: 'ops-dup', key_ops: ['verify', 'verify'] },
    { ...odd, kid: 'ops-string', key_ops: 'verify' },
    { ...odd, kid: 'ext-true', ext: true },
    { ...odd, kid: 'ext-false', ext: false },
    { ...odd, kid: 'ext-string', ext: 'yes' },
    { ...offCurve, kid: 'off-curve' },
    { ...odd, kid: 'short-x', x: b64(Buffer.alloc(31, 1)) },
    { kty: 'OKP', crv: 'Ed25519', x: b64(Buffer.alloc(31, 1)), kid: 'ed-short' },
    { kty: 'RSA', n: b64(Buffer.alloc(256, 0xff)), e: 'AQAB', kid: 'rsa-junk' },
  ];
  return {
    signers,
    jwks: {
      main: JSON.stringify({ keys: main }),
      narrow: JSON.stringify({ keys: [jwk('es256', { alg: 'ES256' })] }),
      odd: JSON.stringify({ keys: oddKeys }),
    },
  };
}

/** Two policies: lenient (30 s tolerance, no lifetime limit) and strict (5 s, 10 min lifetime, at+jwt). */
export function corpusPolicies(): Record<'lenient' | 'strict', TokenPolicyConfig> {
  const issuers = [
    { name: 'main', issuer: MAIN_ISS, audiences: [AUD, 'spiffe://corpus.test/other-name'], algorithms: [...TOKEN_ALGORITHMS], jwks: 'main.json' },
    { name: 'narrow', issuer: NARROW_ISS, audiences: [AUD], algorithms: ['ES256'], jwks: 'narrow.json' },
    { name: 'odd', issuer: ODD_ISS, audiences: [AUD], algorithms: [...TOKEN_ALGORITHMS], jwks: 'odd.json' },
  ];
  return {
    lenient: TokenPolicySchema.parse({ issuers, clockToleranceMs: 30_000, cache: { maxEntries: 0 } }),
    strict: TokenPolicySchema.parse({ issuers, clockToleranceMs: 5_000, maxLifetimeMs: 600_000, requireAtJwt: true, cache: { maxEntries: 0 } }),
  };
}

/** Every case, for a clock at `nowSeconds`. */
export async function buildCorpus(keys: CorpusKeys, nowSeconds: number): Promise<CorpusCase[]> {
  const cases: CorpusCase[] = [];
  const add = (name: string, token: string, stricter?: string) => cases.push({ name, token, ...(stricter ? { stricter } : {}) });
  const signer = (kid: string, alg: TokenAlgorithm): Signer => ({ alg, privateKey: keys.signers[kid] as KeyObject });
  const claims = (extra: Record<string, unknown> = {}) => ({ iss: MAIN_ISS, aud: AUD, sub: 'spiffe://corpus.test/client', iat: nowSeconds - 10, exp: nowSeconds + 300, scope: 'orders:read', jti: 'j-1', ...extra });
  const head = (alg: string, kid: string, extra: Record<string, unknown> = {}) => ({ alg, kid, typ: 'at+jwt', ...extra });
  const es = signer('es256', 'ES256');
  const es256 = (extraClaims: Record<string, unknown> = {}, extraHeader: Record<string, unknown> = {}) => jws(es, head('ES256', 'es256', extraHeader), claims(extraClaims));

  // Valid tokens for every algorithm: jose's signer, and ours.
  const byAlg: Array<[TokenAlgorithm, string]> = [
    ['ES256', 'es256'], ['ES384', 'es384'], ['ES512', 'es512'],
    ['RS256', 'rsa'], ['RS384', 'rsa'], ['RS512', 'rsa'], ['PS256', 'rsa'], ['PS384', 'rsa'], ['PS512', 'rsa'],
    ['EdDSA', 'ed'], ['Ed25519', 'ed'],
  ];
  for (const [alg, kid] of byAlg) {
    const joseSigned = await new SignJWT(claims()).setProtectedHeader(head(alg, kid)).sign(keys.signers[kid] as KeyObject);
    add(`${alg}: valid, signed by jose`, joseSigned);
    const ours = jws(signer(kid, alg), head(alg, kid), claims());
    add(`${alg}: valid, signed by node:crypto`, ours);
    add(`${alg}: one signature bit flipped`, flipLastByte(ours));
    const [h, p, s] = ours.split('.') as [string, string, string];
    add(`${alg}: signature truncated by one byte`, `${h}.${p}.${b64(Buffer.from(s, 'base64url').subarray(1))}`);
    add(`${alg}: empty signature`, `${h}.${p}.`);
    add(`${alg}: payload changed after signing`, `${h}.${part(claims({ scope: 'orders:admin' }))}.${s}`);
    add(`${alg}: no kid`, jws(signer(kid, alg), { alg, typ: 'at+jwt' }, claims()));
    const other = kid.startsWith('es') ? undefined : kid === 'rsa' ? 'rsa-other' : 'ed-other';
    if (other) add(`${alg}: signed by another key than kid names`, jws(signer(other, alg), head(alg, kid), claims()));
    add(`${alg}: issuer that allows only ES256`, jws(signer(kid, alg), head(alg, kid), claims({ iss: NARROW_ISS })));
  }
  add('ES256: signed by the other P-256 key', jws(signer('es256-b', 'ES256'), head('ES256', 'es256'), claims()));
  add('ES256: no kid, two P-256 keys fit', jws(es, { alg: 'ES256', typ: 'at+jwt' }, claims()));
  add('ES256: kid of the second key, signed by it', jws(signer('es256-b', 'ES256'), head('ES256', 'es256-b'), claims()));
  add('ES256: narrow issuer, valid', jws(es, head('ES256', 'es256'), claims({ iss: NARROW_ISS })));

  // ECDSA signature encodings.
  add('ES256: high-S signature', highS(es256(), 'P-256'));
  add('ES384: high-S signature', highS(jws(signer('es384', 'ES384'), head('ES384', 'es384'), claims()), 'P-384'));
  add('ES256: DER-encoded signature', jws(es, head('ES256', 'es256'), claims(), { der: true }));
  add('ES384: DER-encoded signature', jws(signer('es384', 'ES384'), head('ES384', 'es384'), claims(), { der: true }));
  add('ES512: DER-encoded signature', jws(signer('es512', 'ES512'), head('ES512', 'es512'), claims(), { der: true }));
  {
    const [h, p, s] = es256().split('.') as [string, string, string];
    add('ES256: signature with a zero byte appended', `${h}.${p}.${b64(Buffer.concat([Buffer.from(s, 'base64url'), Buffer.alloc(1)]))}`);
    add('ES256: all-zero signature', `${h}.${p}.${b64(Buffer.alloc(64))}`);
  }

  // RSA padding and salt.
  add('PS256: salt of 20 bytes', jws(signer('rsa', 'PS256'), head('PS256', 'rsa'), claims(), { saltLength: 20 }));
  add('PS256: salt of maximum length', jws(signer('rsa', 'PS256'), head('PS256', 'rsa'), claims(), { saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN }));
  add('PS384: salt of 32 bytes', jws(signer('rsa', 'PS384'), head('PS384', 'rsa'), claims(), { saltLength: 32 }));
  {
    const input = `${part(head('PS256', 'rsa'))}.${part(claims())}`;
    add('PS256 header, PKCS#1 v1.5 signature', `${input}.${b64(signRaw('RS256', keys.signers['rsa'] as KeyObject, input))}`);
    const rsInput = `${part(head('RS256', 'rsa'))}.${part(claims())}`;
    add('RS256 header, PSS signature', `${rsInput}.${b64(signRaw('PS256', keys.signers['rsa'] as KeyObject, rsInput))}`);
    add('RS256 header, RS384 signature', `${rsInput}.${b64(signRaw('RS384', keys.signers['rsa'] as KeyObject, rsInput))}`);
  }

  // Key types and key material.
  add('RS256 alg with the kid of an EC key', jws(signer('rsa', 'RS256'), head('RS256', 'es256'), claims()));
  add('ES256 alg with the kid of the P-384 key', jws(es, head('ES256', 'es384'), claims()));
  add('ES384 alg with the kid of a P-256 key', jws(signer('es384', 'ES384'), head('ES384', 'es256'), claims()));
  add('EdDSA alg with the kid of an RSA key', jws(signer('ed', 'EdDSA'), head('EdDSA', 'rsa'), claims()));
  add('ES256 alg, ed25519 kid, signed by the EC key', jws(es, head('ES256', 'ed'), claims()));
  const odd = (kid: string, alg: TokenAlgorithm = 'ES256', signedBy = 'odd') => jws(signer(signedBy, alg), head(alg, kid), claims({ iss: ODD_ISS }));
  add('RS256 with a 1024-bit RSA key', odd('rsa1024', 'RS256', 'rsa1024'));
  add('PS256 with a 1024-bit RSA key', odd('rsa1024', 'PS256', 'rsa1024'));
  add('RS256 with a 1024-bit key, bad signature', flipLastByte(odd('rsa1024', 'RS256', 'rsa1024')));
  for (const kid of ['ops-verify', 'ops-sign', 'ops-empty', 'ops-both', 'ops-dup', 'ops-string', 'ext-true', 'ext-false', 'ext-string', 'off-curve', 'short-x']) add(`key ${kid}`, odd(kid));
  add('key ed-short', odd('ed-short', 'EdDSA', 'ed'));
  add('key rsa-junk', odd('rsa-junk', 'RS256', 'rsa'));

  // alg.
  {
    const body = part(claims());
    add('alg none, empty signature', `${part({ alg: 'none', kid: 'es256', typ: 'at+jwt' })}.${body}.`);
    add('alg none, no kid', `${part({ alg: 'none' })}.${body}.`);
    const hsInput = `${part(head('HS256', 'rsa'))}.${body}`;
    const secret = Buffer.from(JSON.stringify(JSON.parse(keys.jwks.main).keys[4]));
    add('HS256 keyed with the published RSA JWK', `${hsInput}.${b64(createHmac('sha256', secret).update(hsInput).digest())}`);
    add('alg unknown', jws(es, head('ES257', 'es256'), claims()));
    add('alg missing', jws(es, { kid: 'es256', typ: 'at+jwt' }, claims()));
    add('alg a number', jws(es, { alg: 256, kid: 'es256', typ: 'at+jwt' }, claims()));
    add('alg empty', jws(es, head('', 'es256'), claims()));
    add('alg lower case', jws(es, head('es256', 'es256'), claims()));
    add('alg very long', jws(es, head('ES256'.repeat(20), 'es256'), claims()));
  }
  add('kid unknown', jws(es, head('ES256', 'nope'), claims()));
  add('kid a number', jws(es, head('ES256', 'x', { kid: 7 }), claims()));
  add('kid an empty string', jws(es, head('ES256', ''), claims()));

  // Framing: the number of parts.
  const valid = es256();
  const [vh, vp, vs] = valid.split('.') as [string, string, string];
  add('two parts', `${vh}.${vp}`);
  add('one part', vh);
  add('four parts', `${valid}.${vs}`);
  add('five parts (JWE-shaped)', `${valid}.x.y`);
  add('a trailing dot', `${valid}.`);
  add('a leading dot', `.${valid}`);
  add('empty token', '');
  add('only dots', '..');
  add('empty header', `.${vp}.${vs}`);
  add('empty payload', `${vh}..${vs}`);

  // base64url text.
  const padded = (text: string) => text + '='.repeat((4 - (text.length % 4)) % 4);
  const withTail = (extra: Record<string, unknown>, tail: number) => {
    // A header whose encoding leaves `tail` characters past a multiple of four (so it can be padded or bent).
    for (let n = 0; n < 8; n += 1) {
      const header = head('ES256', 'es256', { ...extra, x: 'y'.repeat(n) });
      if (part(header).length % 4 === tail) return part(header);
    }
    throw new Error('no header of that length');
  };
  for (const tail of [2, 3]) {
    const h = withTail({}, tail);
    add(`header padded with "=" (tail ${tail}), re-signed`, jws(es, { raw: padded(h) }, claims()), 'malformed token');
    const bent = nonCanonical(h) as string;
    add(`header with stray trailing bits (tail ${tail}), re-signed`, jws(es, { raw: bent }, claims()), 'malformed token');
    add(`header padded (tail ${tail}), not re-signed`, `${padded(h)}.${vp}.${vs}`, 'malformed token');
  }
  {
    let body = part(claims());
    for (let n = 0; body.length % 4 === 0; n += 1) body = part(claims({ pad: 'x'.repeat(n) }));
    add('payload padded with "=", re-signed', jws(es, head('ES256', 'es256'), { raw: padded(body) }), 'malformed token');
  }
  add('header with a space inside, re-signed', jws(es, { raw: `${vh.slice(0, 8)} ${vh.slice(8)}` }, claims()), 'malformed token');
  add('header with a tab inside, re-signed', jws(es, { raw: `${vh.slice(0, 8)}\t${vh.slice(8)}` }, claims()), 'malformed token');
  add('header in standard base64 (+ and /), re-signed', jws(es, { raw: Buffer.from(JSON.stringify(head('ES256', 'es256', { x: '\u00ff\u00fe>?' }))).toString('base64').replace(/=+$/, '') }, claims()));
  add('header with "*", re-signed', jws(es, { raw: `${vh}*` }, claims()));
  add('header one character too long', jws(es, { raw: `${vh}${'A'.repeat(vh.length % 4 === 0 ? 1 : 5 - (vh.length % 4))}` }, claims()));
  add('payload with a non-ASCII character', `${vh}.${vp.slice(0, 4)}é${vp.slice(4)}.${vs}`);
  // An ES256 signature is 64 bytes: 86 characters, two past a multiple of four.
  add('signature padded with "=="', `${vh}.${vp}.${padded(vs)}`, 'ERR_JWS_INVALID');
  add('signature with stray trailing bits', `${vh}.${vp}.${nonCanonical(vs) as string}`, 'ERR_JWS_INVALID');
  add('signature with a space inside', `${vh}.${vp}.${vs.slice(0, 10)} ${vs.slice(10)}`, 'ERR_JWS_INVALID');
  const standard = Buffer.from(vs, 'base64url').toString('base64');
  // jose refuses "+" and "/" itself; without them, standard base64 is the padded base64url.
  add('signature in standard base64', `${vh}.${vp}.${standard}`, /[+/]/.test(standard) ? undefined : 'ERR_JWS_INVALID');
  add('signature with "*"', `${vh}.${vp}.${vs}*`);
  add('signature one character too long', `${vh}.${vp}.${vs}${'A'.repeat(vs.length % 4 === 0 ? 1 : 5 - (vs.length % 4))}`);

  // Header and payload that are not JSON objects.
  for (const [label, json] of [['an array', '[1]'], ['a string', '"ES256"'], ['a number', '256'], ['null', 'null'], ['true', 'true'], ['broken JSON', '{"alg":"ES256"'], ['empty JSON text', '']] as const) {
    add(`header is ${label}`, jws(es, { raw: b64(json) }, claims()));
    add(`payload is ${label}`, jws(es, head('ES256', 'es256'), { raw: b64(json) }));
  }
  add('header is invalid UTF-8', jws(es, { raw: b64(Buffer.concat([Buffer.from('{"alg":"ES256","kid":"es256","x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])) }, claims()));
  add('payload is invalid UTF-8', jws(es, head('ES256', 'es256'), { raw: b64(Buffer.concat([Buffer.from(JSON.stringify(claims()).slice(0, -1) + ',"x":"'), Buffer.from([0xc3]), Buffer.from('"}')])) }));
  add('header starts with a UTF-8 BOM', jws(es, { raw: b64(`\ufeff${JSON.stringify(head('ES256', 'es256'))}`) }, claims()));
  add('payload starts with a UTF-8 BOM', jws(es, head('ES256', 'es256'), { raw: b64(`\ufeff${JSON.stringify(claims())}`) }));
  add('payload with a duplicate iss (last wins)', jws(es, head('ES256', 'es256'), `{"iss":"https://evil.test",${JSON.stringify(claims()).slice(1)}`));
  add('payload with a duplicate iss (bad last)', jws(es, head('ES256', 'es256'), `${JSON.stringify(claims()).slice(0, -1)},"iss":"https://evil.test"}`));
  add('payload with __proto__', jws(es, head('ES256', 'es256'), `${JSON.stringify(claims()).slice(0, -1)},"__proto__":{"aud":"x"}}`));
  add('header with __proto__ alg', jws(es, `{"__proto__":{"alg":"ES256"},"kid":"es256","typ":"at+jwt"}`, claims()));
  add('empty claims', jws(es, head('ES256', 'es256'), {}));

  // Headers that point at keys.
  for (const name of ['jku', 'x5u', 'jwk', 'x5c']) add(`header ${name}`, es256({}, { [name]: name === 'x5c' ? ['MIIB'] : name === 'jwk' ? { kty: 'EC' } : 'https://evil.test/keys' }));
  add('header jwk null', es256({}, { jwk: null }));

  // crit and b64.
  add('crit [b64] with b64 true', es256({}, { crit: ['b64'], b64: true }));
  add('crit [b64] with b64 false', es256({}, { crit: ['b64'], b64: false }));
  add('crit [b64] with b64 false, bad signature', flipLastByte(es256({}, { crit: ['b64'], b64: false })));
  add('b64 false without crit', es256({}, { b64: false }));
  add('crit [b64] without b64', es256({}, { crit: ['b64'] }));
  add('crit [b64] with b64 "false"', es256({}, { crit: ['b64'], b64: 'false' }));
  add('crit [b64] with b64 null', es256({}, { crit: ['b64'], b64: null }));
  add('crit [b64, b64]', es256({}, { crit: ['b64', 'b64'], b64: true }));
  add('crit [exp]', es256({}, { crit: ['exp'], exp: 1 }));
  add('crit [b64, x-unknown]', es256({}, { crit: ['b64', 'x-unknown'], b64: true, 'x-unknown': 1 }));
  add('crit [x-unknown] (member absent)', es256({}, { crit: ['x-unknown'] }));
  add('crit []', es256({}, { crit: [] }));
  add('crit [""]', es256({}, { crit: [''] }));
  add('crit [1]', es256({}, { crit: [1] }));
  add('crit "b64"', es256({}, { crit: 'b64', b64: true }));
  add('crit null', es256({}, { crit: null }));
  add('crit {}', es256({}, { crit: {} }));
  add('crit [b64] with b64 false, bad signature part', `${es256({}, { crit: ['b64'], b64: false }).split('.').slice(0, 2).join('.')}.***`);
  add('crit unknown, bad signature part', `${es256({}, { crit: ['x'] }).split('.').slice(0, 2).join('.')}.***`);

  // typ.
  for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/AT+JWT', 'JWT', 'jwt', 'x-custom/at+jwt', 'at+jwt ', 'application/jwt', '', 'at%2Bjwt']) add(`typ ${JSON.stringify(typ)}`, es256({}, { typ }));
  add('typ a number', es256({}, { typ: 1 }));
  add('typ missing', jws(es, { alg: 'ES256', kid: 'es256' }, claims()));

  // iss and aud.
  add('iss of another issuer', es256({ iss: 'https://evil.test' }));
  add('iss with a trailing slash', es256({ iss: `${MAIN_ISS}/` }));
  add('iss missing', es256({ iss: undefined }));
  add('iss a number', es256({ iss: 7 }));
  add('iss an array', es256({ iss: [MAIN_ISS] }));
  for (const [label, aud] of [
    ['another service', 'spiffe://corpus.test/else'], ['the second configured one', 'spiffe://corpus.test/other-name'],
    ['an array with ours', ['spiffe://corpus.test/else', AUD]], ['an array without ours', ['spiffe://corpus.test/else']],
    ['an empty array', []], ['an array with non-strings and ours', [1, null, { a: 1 }, AUD]], ['an array with non-strings only', [1, null]],
    ['a number', 1], ['null', null], ['an object', { aud: AUD }], ['ours with different case', AUD.toUpperCase()], ['a nested array', [[AUD]]],
  ] as const) add(`aud ${label}`, es256({ aud }));
  add('aud missing', es256({ aud: undefined }));

  // exp, nbf, iat.
  const at = (offset: number) => nowSeconds + offset;
  for (const offset of [-31, -30, -29, -6, -5, -4, -1, 0, 1, 599, 600, 601, 86_400 * 3650]) add(`exp now${offset >= 0 ? '+' : ''}${offset}`, es256({ exp: at(offset) }));
  for (const offset of [-1, 0, 4, 5, 6, 29, 30, 31, 3600]) add(`nbf now+${offset}`, es256({ nbf: at(offset) }));
  for (const offset of [-601, -600, -599, -11, 0, 60, 3600]) add(`iat now${offset >= 0 ? '+' : ''}${offset}`, es256({ iat: at(offset) }));
  add('exp fractional, just past', es256({ exp: nowSeconds - 30 + 0.5 }));
  add('exp fractional, in range', es256({ exp: nowSeconds + 10.25 }));
  add('nbf fractional, just ahead', es256({ nbf: nowSeconds + 30.5 }));
  add('exp missing', es256({ exp: undefined }));
  add('iat missing', es256({ iat: undefined }));
  for (const claim of ['exp', 'nbf', 'iat']) {
    for (const [label, value] of [['a numeric string', String(nowSeconds + 60)], ['null', null], ['true', true], ['an array', [nowSeconds + 60]], ['an object', { t: 1 }]] as const) add(`${claim} ${label}`, es256({ [claim]: value }));
  }
  const rawClaims = (overrides: string) => jws(es, head('ES256', 'es256'), `${JSON.stringify(claims()).slice(0, -1)},${overrides}}`);
  // JSON.parse makes these Infinity: jose took them as dates, ours refuses a date that is not finite.
  add('exp 1e400 (Infinity)', rawClaims('"exp":1e400'), 'claim exp: invalid');
  add('exp -1e400', rawClaims('"exp":-1e400'), 'claim exp: invalid');
  add('exp 1e308', rawClaims('"exp":1e308'));
  add('exp 0', rawClaims('"exp":0'));
  add('exp -0', rawClaims('"exp":-0'));
  add('exp 2^53+1', rawClaims('"exp":9007199254740993'));
  add('nbf 1e400', rawClaims('"nbf":1e400'));
  // Every nbf failure keeps the one detail the token check has always used for nbf.
  add('nbf -1e400', rawClaims('"nbf":-1e400'), 'not yet valid (nbf)');
  add('iat -1e400', rawClaims('"iat":-1e400'), 'claim iat: invalid');
  add('iat 1e400', rawClaims('"iat":1e400'), 'claim iat: invalid');
  add('exp 1e400, iat 1e400', rawClaims('"exp":1e400,"iat":1e400'), 'claim iat: invalid');
  add('exp and iat exactly the lifetime apart', es256({ iat: nowSeconds - 100, exp: nowSeconds + 500 }));
  add('exp and iat one second over the lifetime', es256({ iat: nowSeconds - 101, exp: nowSeconds + 500 }));

  // Claims read after verification.
  add('scope an array', es256({ scope: ['orders:read', 'orders:write'] }));
  add('scope a number', es256({ scope: 7 }));
  add('scp array without scope', es256({ scope: undefined, scp: ['a', 'b'] }));
  add('scp with a non-string', es256({ scope: undefined, scp: ['a', 1] }));
  add('cnf with x5t#S256', es256({ cnf: { 'x5t#S256': 'abc' } }));
  add('cnf with a numeric x5t#S256', es256({ cnf: { 'x5t#S256': 1 } }));
  add('cnf null', es256({ cnf: null }));
  add('cnf a string', es256({ cnf: 'x' }));

  // Size.
  add('token over 16 KiB', es256({ pad: 'x'.repeat(13_000) }));
  add('token just under 16 KiB', es256({ pad: 'x'.repeat(11_500) }));

  for (const entry of cases) {
    for (const [name, value] of Object.entries(entry)) if (value === undefined) throw new Error(`corpus case ${entry.name}: ${name} undefined`);
  }
  return cases;
}
