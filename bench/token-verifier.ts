// In-process micro-benchmark of the token verifier: CPU µs per call of TokenVerifier.verify on a
// cache miss (cache off) and a cache hit, next to one bare ES256 crypto.verify and jose's
// jwtVerify, for this build and optionally another one (its dist/), in interleaved rounds.
//
//   node dist/bench/token-verifier.js [BASELINE_DIST]      (e.g. /tmp/base/dist)
//
// Environment: TOKEN_BENCH_ITERATIONS (per round, 4000), TOKEN_BENCH_ROUNDS (7). CPU time is
// user + system of this process (process.cpuUsage), so time spent waiting for a thread-pool
// worker is not counted while the worker's CPU is. Bounded: rounds × iterations calls per case.
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { jwtVerify } from 'jose';

interface VerifierModule {
  TokenVerifier: new (policy: unknown, material: unknown, previous: undefined) => { verify(token: string, cert: string): unknown };
}
interface JwksModule {
  KeySet: new (keys: unknown) => unknown;
  parseJwks(text: string): unknown;
}
interface SchemaModule {
  TokenPolicySchema: { parse(value: unknown): unknown };
}

const ITERATIONS = Number(process.env['TOKEN_BENCH_ITERATIONS'] ?? 4000);
const ROUNDS = Number(process.env['TOKEN_BENCH_ROUNDS'] ?? 7);
const ISSUER = 'https://issuer.bench.local';
const AUDIENCE = 'spiffe://bench.local/server';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function cpuMicrosPerCall(fn: () => unknown): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i += 1) {
    const result = fn();
    if (result instanceof Promise) await result;
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / ITERATIONS;
}

async function loadBuild(dist: string) {
  const at = (path: string) => import(pathToFileURL(resolve(dist, path)).href);
  return {
    verifier: (await at('src/tokens/verifier.js')) as VerifierModule,
    jwks: (await at('src/core/jwks.js')) as JwksModule,
    schema: (await at('src/config/tokens-schema.js')) as SchemaModule,
  };
}

async function main(): Promise<void> {
  const here = resolve(new URL('..', import.meta.url).pathname);
  const dists: Array<[string, string]> = [['this build', here]];
  if (process.argv[2]) dists.push(['baseline', resolve(process.argv[2])]);

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as object), kid: 'bench', alg: 'ES256', use: 'sig' };
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'ES256', kid: 'bench' })}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'spiffe://bench.local/client', scope: 'bench:echo', iat: now, exp: now + 3600 })}`;
  const token = `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  const data = Buffer.from(input);
  const signature = Buffer.from(token.split('.')[2] as string, 'base64url');
  const bareKey = createPublicKey({ key: jwk as never, format: 'jwk' });
  const cert = 'c'.repeat(64);

  const cases: Array<[string, () => unknown]> = [
    ['bare ES256 crypto.verify', () => verify('sha256', data, { key: bareKey, dsaEncoding: 'ieee-p1363' }, signature)],
    ['jose jwtVerify ES256', () => jwtVerify(token, bareKey, { algorithms: ['ES256'] })],
  ];
  for (const [label, dist] of dists) {
    const build = await loadBuild(dist);
    const policy = (cache: number) => build.schema.TokenPolicySchema.parse({ issuers: [{ name: 'bench', issuer: ISSUER, audiences: [AUDIENCE], algorithms: ['ES256'], jwks: 'unused.json' }], cache: { maxEntries: cache } });
    const material = { issuers: new Map([['bench', { keys: new build.jwks.KeySet(build.jwks.parseJwks(JSON.stringify({ keys: [jwk] }))) }]]), denylist: new Set() };
    const miss = new build.verifier.TokenVerifier(policy(0), material, undefined);
    const hit = new build.verifier.TokenVerifier(policy(100), material, undefined);
    const check = async (verifier: typeof miss) => {
      const outcome = (await verifier.verify(token, cert)) as { ok: boolean };
      if (!outcome.ok) throw new Error(`${label}: the bench token does not verify`);
    };
    await check(miss);
    await check(hit);
    cases.push([`${label}: verify, cache miss`, () => miss.verify(token, cert)], [`${label}: verify, cache hit`, () => hit.verify(token, cert)]);
  }

  const samples = new Map<string, number[]>(cases.map(([label]) => [label, []]));
  for (const [, fn] of cases) await cpuMicrosPerCall(fn); // warm-up round
  for (let round = 0; round < ROUNDS; round += 1) {
    // Rotate the starting case so none is always first after a GC-heavy neighbour.
    for (let i = 0; i < cases.length; i += 1) {
      const [label, fn] = cases[(i + round) % cases.length] as [string, () => unknown];
      samples.get(label)?.push(await cpuMicrosPerCall(fn));
    }
  }
  const bare = median(samples.get('bare ES256 crypto.verify') as number[]);
  console.log(`token verifier micro-benchmark: ${ROUNDS} rounds x ${ITERATIONS} calls, CPU µs per call (median [min-max]), node ${process.version}`);
  for (const [label, values] of samples) {
    const m = median(values);
    console.log(`  ${label.padEnd(40)} ${m.toFixed(2).padStart(8)}  [${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}]  ${(m / bare).toFixed(2)}x bare verify`);
  }
}

await main();
