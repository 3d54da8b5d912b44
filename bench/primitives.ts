// The raw cost of one signature verification, measured in the same run as the scenarios, so
// "the token cache miss adds X" can be read against "one bare verify costs Y" on this machine
// today: Ed25519 and ECDSA P-256 with node:crypto, and jose's jwtVerify of an ES256 JWT.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SignJWT, jwtVerify } from 'jose';

export interface PrimitiveCosts {
  /** Microseconds per call, median of the rounds. */
  readonly ed25519VerifyMicros: number;
  readonly es256VerifyMicros: number;
  readonly joseJwtVerifyEs256Micros: number;
}

const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function timeIt(batch: number, fn: () => unknown | Promise<unknown>): Promise<number> {
  // Warm-up batch, then ROUNDS timed batches.
  for (let i = 0; i < batch; i += 1) await fn();
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    const started = performance.now();
    for (let i = 0; i < batch; i += 1) await fn();
    rounds.push(((performance.now() - started) * 1000) / batch);
  }
  return median(rounds);
}

export async function measurePrimitives(batch = 400): Promise<PrimitiveCosts> {
  const data = Buffer.from('"@method": GET\n"@target-uri": https://127.0.0.1/bench/echo?q=1\n"@signature-params": ("@method" "@target-uri");created=1700000000;keyid="bench";nonce="abc"');
  const ed = generateKeyPairSync('ed25519');
  const edSignature = sign(null, data, ed.privateKey);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecSignature = sign('sha256', data, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
  const ecPublic = createPublicKey(ec.publicKey.export({ type: 'spki', format: 'pem' }));
  const jwtKey = createPrivateKey(ec.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({ scope: 'bench:echo' }).setProtectedHeader({ alg: 'ES256' }).setIssuedAt(now).setExpirationTime(now + 3600).sign(jwtKey);
  const ed25519VerifyMicros = await timeIt(batch, () => {
    if (!verify(null, data, ed.publicKey, edSignature)) throw new Error('ed25519 verify failed');
  });
  const es256VerifyMicros = await timeIt(batch, () => {
    if (!verify('sha256', data, { key: ecPublic, dsaEncoding: 'ieee-p1363' }, ecSignature)) throw new Error('ES256 verify failed');
  });
  const joseJwtVerifyEs256Micros = await timeIt(batch, () => jwtVerify(jwt, ecPublic, { algorithms: ['ES256'] }));
  return { ed25519VerifyMicros, es256VerifyMicros, joseJwtVerifyEs256Micros };
}
