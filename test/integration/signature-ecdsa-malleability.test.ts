// A captured ECDSA-signed request without a nonce cannot be replayed by re-encoding its
// signature: (r, s) and (r, n − s) both verify, so the replay memory is keyed on what was
// signed (keyid + signature base), and high-s signatures can also be refused outright
// (signatures.ecdsaHighS: reject; accepted by default). Both curves, with an independent signer. Signature-Input parameters
// are parsed strictly (RFC 8941 types, no duplicates, only RFC 9421's parameters): a lenient
// parse is a second reading of what was signed.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, mtlsAgent } from '../helpers/client.js';
import { signEcdsa, type Curve } from '../helpers/ecdsa-signer.js';
import { IDS, type TestPki } from '../helpers/pki.js';
import { withScenario } from '../helpers/scenario.js';
import { startSidecar, type RunningSidecar } from '../helpers/sidecar.js';
import type { TestUpstream } from '../helpers/upstream.js';
import type { Agent } from 'undici';

let pki: TestPki;
let app: TestUpstream;
/** ecdsaHighS: reject. */
let strict: RunningSidecar;
/** ecdsaHighS: accept (the default): the replay memory alone must still catch the twin. */
let lenient: RunningSidecar;
let agent: Agent;
const keys: Record<Curve, KeyObject> = {} as Record<Curve, KeyObject>;
const KEYID: Record<Curve, string> = { p256: 'front-p256', p384: 'front-p384' };
const ALG: Record<Curve, string> = { p256: 'ecdsa-p256-sha256', p384: 'ecdsa-p384-sha384' };

const registry: Array<Record<string, string>> = [];
const routes = [{ name: 'api', methods: ['GET'], path: '/api/**', allow: [IDS.frontend], signature: {} }];

// The scenario's sidecar is the strict one; the lenient one shares its PKI, keys and app.
withScenario((started) => ({ pki, upstream: app, sidecar: strict } = started), {
  sidecar: ({ pki }) => {
    for (const [curve, namedCurve] of [['p256', 'P-256'], ['p384', 'P-384']] as const) {
      const pair = generateKeyPairSync('ec', { namedCurve });
      keys[curve] = pair.privateKey;
      pki.write(`${curve}.pub.pem`, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
      registry.push({ keyid: KEYID[curve], algorithm: ALG[curve], identity: IDS.frontend, key: `${curve}.pub.pem` });
    }
    return { routes, listener: { signatures: { keys: registry, ecdsaHighS: 'reject' } } };
  },
});

beforeAll(async () => {
  lenient = await startSidecar(pki, { upstreamUrl: app.url, routes, listener: { signatures: { keys: registry } } });
  agent = mtlsAgent(pki, pki.frontend);
});

afterAll(async () => {
  await agent?.close();
  await lenient?.close();
});

let counter = 0;

/** A fresh signed GET (its own path, so each case has its own base), no nonce. */
function signed(curve: Curve, sidecar: RunningSidecar, paramText?: string) {
  counter += 1;
  const path = `/api/orders/${curve}-${counter}`;
  const created = Math.floor(Date.now() / 1000);
  const sig = signEcdsa(curve, keys[curve], { method: 'GET', authority: `localhost:${sidecar.port}`, path }, paramText ?? `;created=${created};keyid="${KEYID[curve]}";alg="${ALG[curve]}"`);
  const send = (signature: Buffer, options: { label?: string; extra?: Record<string, string>; base64?: (text: string) => string } = {}) => {
    const label = options.label ?? 'sig1';
    const b64 = (options.base64 ?? ((text: string) => text))(signature.toString('base64'));
    return call(`${sidecar.url}${path}`, agent, { headers: { 'signature-input': `${label}=${sig.params}`, signature: `${label}=:${b64}:`, ...options.extra } });
  };
  return { path, sig, send };
}

const hits = (path: string) => app.received.filter((request) => request.url === path).length;

for (const curve of ['p256', 'p384'] as const) {
  test(`${curve}: a captured request re-encoded as (r, n − s) is refused; the app gets it once`, async () => {
    for (const sidecar of [strict, lenient]) {
      const { path, sig, send } = signed(curve, sidecar);
      expect((await send(sig.low)).status).toBe(200);
      const twin = await send(sig.high);
      expect(twin.status).toBe(401);
      // The strict sidecar refuses the high s itself; the lenient one still remembers what was signed.
      expect(twin.json()['reason']).toBe(sidecar === strict ? 'signature_invalid' : 'signature_replayed');
      const verbatim = await send(sig.low);
      expect(verbatim.json()['reason']).toBe('signature_replayed');
      expect(hits(path)).toBe(1);
    }
  });

  test(`${curve}: high s first: refused under ecdsaHighS reject; accepted by default, and then its low twin is a replay`, async () => {
    const first = signed(curve, strict);
    const refused = await first.send(first.sig.high);
    expect(refused.status).toBe(401);
    expect(refused.json()['reason']).toBe('signature_invalid');
    expect(hits(first.path)).toBe(0);

    const other = signed(curve, lenient);
    expect((await other.send(other.sig.high)).status).toBe(200);
    const twin = await other.send(other.sig.low);
    expect(twin.json()['reason']).toBe('signature_replayed');
    expect(hits(other.path)).toBe(1);
  });

  test(`${curve}: other re-encodings of the same signed request are replays too`, async () => {
    const { path, sig, send } = signed(curve, lenient);
    expect((await send(sig.low)).status).toBe(200);
    for (const variant of [
      () => send(sig.low, { label: 'other' }),
      () => send(sig.low, { base64: (text) => text.replace(/=+$/, '') }),
      () => send(sig.low, { extra: { 'x-uncovered': 'changed' } }),
      () => send(sig.high, { label: 'again' }),
    ]) {
      const response = await variant();
      expect(response.status).toBe(401);
      expect(response.json()['reason']).toBe('signature_replayed');
    }
    expect(hits(path)).toBe(1);
  });
}

test.each([
  ['created as a Decimal', (now: number) => `;created=${now}.0;keyid="${KEYID.p256}"`],
  ['created as a String', (now: number) => `;created="${now}";keyid="${KEYID.p256}"`],
  ['created negative', () => `;created=-1;keyid="${KEYID.p256}"`],
  ['expires as a Decimal', (now: number) => `;created=${now};expires=${now + 60}.5;keyid="${KEYID.p256}"`],
  ['expires as a Boolean', (now: number) => `;created=${now};expires;keyid="${KEYID.p256}"`],
  ['keyid as a Token', (now: number) => `;created=${now};keyid=${KEYID.p256}`],
  ['alg as a Token', (now: number) => `;created=${now};keyid="${KEYID.p256}";alg=ecdsa-p256-sha256`],
  ['nonce as an Integer', (now: number) => `;created=${now};keyid="${KEYID.p256}";nonce=12345`],
  ['tag as a Byte Sequence', (now: number) => `;created=${now};keyid="${KEYID.p256}";tag=:dGFn:`],
  ['an unknown parameter', (now: number) => `;created=${now};keyid="${KEYID.p256}";evil="1"`],
  ['an Integer too long for RFC 8941', () => `;created=1234567890123456;keyid="${KEYID.p256}"`],
])('Signature-Input with %s → 401 signature_invalid, the app never sees it', async (_name, params) => {
  const { path, sig, send } = signed('p256', strict, params(Math.floor(Date.now() / 1000)));
  const response = await send(sig.low);
  expect(response.status).toBe(401);
  expect(response.json()['reason']).toBe('signature_invalid');
  expect(hits(path)).toBe(0);
});

// Two readers may pick different copies of a repeated parameter: refused before any check, like a repeated label.
test.each([
  ['created twice', (now: number) => `;created=${now};created=${now + 1};keyid="${KEYID.p256}"`],
  ['keyid twice', (now: number) => `;created=${now};keyid="${KEYID.p256}";keyid="${KEYID.p384}"`],
])('Signature-Input with %s → 400 malformed_request, the app never sees it', async (_name, params) => {
  const { path, sig, send } = signed('p256', strict, params(Math.floor(Date.now() / 1000)));
  const response = await send(sig.low);
  expect(response.status).toBe(400);
  expect(response.json()['reason']).toBe('malformed_request');
  expect(hits(path)).toBe(0);
});
