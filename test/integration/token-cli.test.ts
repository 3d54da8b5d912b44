// `palisade token`: mint a test token from a local key (verifiable, bound when asked), get one
// from a real broker over mTLS, and inspect one (decoded, never verified, and saying so).
// Each child process costs seconds on a loaded machine: a few real runs, the rest in-process.
const SLOW = 120_000;
import { X509Certificate, createHash, createPublicKey } from 'node:crypto';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { ORDERS_AUDIENCE, withBroker, type RunningBroker } from '../helpers/broker.js';
import { inspectToken } from '../../src/cli/token.js';
import { UsageError } from '../../src/cli/usage.js';
import { runCli } from '../helpers/cli.js';
import { IDS, type TestPki } from '../helpers/pki.js';

let pki: TestPki;
let broker: RunningBroker;

withBroker((started) => ({ pki, broker } = started));

describe('palisade token', () => {
  it('mint: a certificate-bound at+jwt signed by the local key', async () => {
    const result = await runCli(['token', 'mint', '--key', pki.intruder.key, '--iss', 'https://staging', '--aud', ORDERS_AUDIENCE, '--sub', IDS.frontend, '--scope', 'orders:read', '--scope', 'orders:write', '--ttl', '2m', '--bind-cert', pki.frontend.cert, '--kid', 'k1'], { timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(0);
    const token = result.stdout.trim();
    const { payload, protectedHeader } = await jwtVerify(token, createPublicKey(pki.intruder.keyPem), { issuer: 'https://staging', audience: ORDERS_AUDIENCE, typ: 'at+jwt' });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'k1' });
    expect(payload).toMatchObject({ sub: IDS.frontend, scope: 'orders:read orders:write' });
    expect((payload.exp as number) - (payload.iat as number)).toBe(120);
    expect((payload['cnf'] as Record<string, string>)['x5t#S256']).toBe(createHash('sha256').update(new X509Certificate(pki.frontend.certPem).raw).digest('base64url'));
  }, SLOW);

  it('mint: a bad --ttl is a usage error', async () => {
    const result = await runCli(['token', 'mint', '--key', pki.intruder.key, '--iss', 'x', '--aud', 'a', '--sub', 's', '--ttl', 'soon'], { timeoutMs: 90_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--ttl');
  }, SLOW);

  it('get: fetches a token from the broker over mTLS; json shows the whole answer; a refusal exits 1 with the OAuth error', async () => {
    const base = ['token', 'get', '--broker', broker.url, '--cert', pki.frontend.cert, '--key', pki.frontend.key, '--ca', pki.caPath];
    const json = await runCli([...base, '--scope', 'orders:write', '--format', 'json'], { timeoutMs: 90_000 });
    expect(json.code, json.stderr).toBe(0);
    const answer = JSON.parse(json.stdout) as { access_token: string };
    expect(answer).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'orders:write' });
    const token = answer.access_token;
    expect(token.split('.')).toHaveLength(3);
    const refused = await runCli([...base, '--scope', 'orders:admin'], { timeoutMs: 90_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('invalid_scope');

    const report = inspectToken(token);
    expect(report).toMatchObject({ verified: false, expired: false, header: { typ: 'at+jwt', alg: 'ES256' }, claims: { sub: IDS.frontend, scope: 'orders:write' } });
    expect(report['bound_thumbprint']).toBe(createHash('sha256').update(new X509Certificate(pki.frontend.certPem).raw).digest('base64url'));
    expect(report['seconds_left']).toBeGreaterThan(250);
    const text = await runCli(['token', 'inspect', token], { timeoutMs: 90_000 });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^NOT VERIFIED/);
    expect(text.stdout).toMatch(/s left\)/);
    expect(() => inspectToken('not-a-token')).toThrow(UsageError);
  }, SLOW);
});
