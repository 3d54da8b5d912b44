// RFC 8705 certificate-bound access tokens: every case in test/vectors/rfc8705.json,
// against the real verifier (jose, a JWKS) and the binding rule of the token-binding check.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { certificateBindingProblem, x5tS256 } from '../../../src/checks/token-binding.js';
import { TokenPolicySchema } from '../../../src/config/tokens-schema.js';
import { createCa, createLeaf, type IssuedCert } from '../../../src/certs/factory.js';
import { KeySet, parseJwks } from '../../../src/core/jwks.js';
import { TokenVerifier } from '../../../src/tokens/verifier.js';
import { AUDIENCE, issuerKey, ISSUER, jwks, mint, type IssuerKey } from '../../helpers/tokens.js';

interface Vectors {
  x5t_s256_definition: { value_shape: string };
  rfc_example_claims: { claims: { cnf: { 'x5t#S256': string } } };
  generated_cases: { expected_outcomes: Array<{ case: string; expect: string }> };
}
const vectors = JSON.parse(readFileSync(new URL('../../vectors/rfc8705.json', import.meta.url), 'utf8')) as Vectors;

const sha256Hex = (cert: IssuedCert) => createHash('sha256').update(new X509Certificate(cert.certPem).raw).digest('hex');

let key: IssuerKey;
let client: IssuedCert;
let client2: IssuedCert;
let otherClient: IssuedCert;
let trustedCa: IssuedCert;
let verifier: TokenVerifier;

beforeAll(async () => {
  key = await issuerKey('k1');
  const ca = await createCa({ commonName: 'RFC 8705 CA' });
  trustedCa = ca;
  const untrusted = await createCa({ commonName: 'Untrusted CA' });
  client = await createLeaf({ issuer: ca, uris: ['spiffe://example.org/client'] });
  client2 = await createLeaf({ issuer: ca, uris: ['spiffe://example.org/client2'] });
  otherClient = await createLeaf({ issuer: untrusted, uris: ['spiffe://example.org/other'] });
  const policy = TokenPolicySchema.parse({ issuers: [{ name: 'test', issuer: ISSUER, audiences: [AUDIENCE], algorithms: ['ES256'], jwks: 'unused.json' }], binding: { required: true } });
  verifier = new TokenVerifier(policy, { issuers: new Map([['test', { keys: new KeySet(parseJwks(jwks(key))) }]]), denylist: new Set() }, undefined);
});

/** The token check and the binding check together, as the chain runs them: 'accept' or the reason. */
async function judge(token: string, presented: IssuedCert | undefined): Promise<string> {
  const outcome = await verifier.verify(token, presented ? sha256Hex(presented) : '');
  if (!outcome.ok) return outcome.reason;
  if (outcome.token.x5tS256 === undefined) return 'token_not_bound';
  return certificateBindingProblem(outcome.token.x5tS256, presented ? sha256Hex(presented) : undefined) ? 'token_binding_mismatch' : 'accept';
}

const boundTo = (cert: IssuedCert) => ({ scope: 'orders:read', cnf: { 'x5t#S256': x5tS256(sha256Hex(cert)) } });

describe('RFC 8705 §3.1 thumbprint', () => {
  test('x5t#S256 is base64url SHA-256 of the DER, 43 characters, no padding; agrees with the RFC example shape', () => {
    const value = x5tS256(sha256Hex(client));
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(value).toBe(createHash('sha256').update(new X509Certificate(client.certPem).raw).digest('base64url'));
    expect(vectors.rfc_example_claims.claims.cnf['x5t#S256']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(vectors.x5t_s256_definition.value_shape).toContain('43');
  });
});

describe('generated cases', () => {
  const cases: Record<number, { run: () => Promise<string>; expect: (outcome: string) => void }> = {
    // accept: bound to the presented certificate
    0: { run: async () => judge(await mint(key, boundTo(client)), client), expect: (o) => expect(o).toBe('accept') },
    // bound to client2, presented client → invalid_token, 401
    1: { run: async () => judge(await mint(key, boundTo(client2)), client), expect: (o) => expect(o).toBe('token_binding_mismatch') },
    // no cnf while binding is required
    2: { run: async () => judge(await mint(key, { scope: 'orders:read' }), client), expect: (o) => expect(o).toBe('token_not_bound') },
    // cnf present, no client certificate
    3: { run: async () => judge(await mint(key, boundTo(client)), undefined), expect: (o) => expect(o).toBe('token_binding_mismatch') },
    // untrusted CA: the binding alone would match, so the refusal must come from TLS. The inbound
    // listener never accepts a chain outside clientCa (rejectUnauthorized; test/integration/
    // no-client-cert and the unknown_ca cases): here, other-client does not verify against the CA.
    4: {
      run: async () => {
        const anchor = new X509Certificate(trustedCa.certPem).publicKey;
        expect(new X509Certificate(client.certPem).verify(anchor)).toBe(true);
        if (!new X509Certificate(otherClient.certPem).verify(anchor)) return 'handshake refused';
        return judge(await mint(key, boundTo(otherClient)), otherClient);
      },
      expect: (o) => expect(o).toBe('handshake refused'),
    },
    // '=' padding or the standard base64 alphabet: no match
    5: {
      run: async () => {
        const std = Buffer.from(sha256Hex(client), 'hex').toString('base64');
        const padded = `${x5tS256(sha256Hex(client))}=`;
        const outcomes = [await judge(await mint(key, { scope: 'x', cnf: { 'x5t#S256': std } }), client), await judge(await mint(key, { scope: 'x', cnf: { 'x5t#S256': padded } }), client)];
        return [...new Set(outcomes)].join(',');
      },
      expect: (o) => expect(o).toBe('token_binding_mismatch'),
    },
    // expired
    6: { run: async () => judge(await mint(key, { ...boundTo(client), iat: Math.floor(Date.now() / 1000) - 600, exp: Math.floor(Date.now() / 1000) - 60 }), client), expect: (o) => expect(o).toBe('token_expired') },
    // signed by a key not in the JWKS
    7: { run: async () => judge(await mint(await issuerKey('k1'), boundTo(client)), client), expect: (o) => expect(o).toBe('token_invalid') },
  };

  test('every vector case has a test', () => {
    expect(Object.keys(cases).length).toBe(vectors.generated_cases.expected_outcomes.length);
  });

  vectors.generated_cases.expected_outcomes.forEach((vector, index) => {
    test(`${vector.case} → ${vector.expect}`, async () => {
      const entry = cases[index];
      if (!entry) throw new Error(`no test for vector ${index}`);
      const outcome = await entry.run();
      entry.expect(outcome);
      // Every "reject" maps to a refusal, every "accept" to acceptance.
      expect(outcome === 'accept').toBe(vector.expect.startsWith('accept'));
    });
  });
});
