// What one signature verify costs when the CPU caches are not its own. The bench's "raw verify"
// is a hot loop: the curve tables and OpenSSL's code stay in cache from one call to the next.
// In the sidecar, each verify follows a request's worth of other work (TLS records, HTTP
// parsing, V8's heap), so its tables come back from memory. Timing the same call inside a
// sidecar under load gave 1.5x to 1.9x the hot loop; this shows the same effect in isolation,
// by touching N MiB of other memory between calls (one calibrated buffer, read and written).
//
//   node dist/bench/verify-cache.js [MIB...]      (default: 0 1 4 16)
//
// Environment: VERIFY_CACHE_CALLS (per round and size, 1000). Only the verify call is timed (wall clock,
// hrtime); run it pinned to one CPU (taskset -c 0) on a quiet machine. Bounded: rounds × sizes × calls per case.
import { generateKeyPairSync, sign, verify } from 'node:crypto';

const CALLS = Number(process.env['VERIFY_CACHE_CALLS'] ?? 1000);
const WARMUP = 200;
const sizes = process.argv.slice(2).map(Number);
// The first size is the reference the others are divided by: keep 0 first for "x the hot loop".
const MIB = sizes.length > 0 ? sizes : [0, 1, 4, 16];

const data = Buffer.from('"@method": GET\n"@target-uri": https://127.0.0.1/bench/echo?q=1\n"@signature-params": ("@method" "@target-uri");created=1700000000;keyid="bench";nonce="abc"');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const ecSignature = sign('sha256', data, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
const edSignature = sign(null, data, ed.privateKey);

const cases: Array<[string, () => boolean]> = [
  ['ES256 (ECDSA P-256) crypto.verify', () => verify('sha256', data, { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, ecSignature)],
  ['Ed25519 crypto.verify', () => verify(null, data, ed.publicKey, edSignature)],
];

/** Microseconds per verify, with `junk` (one float per 64-byte cache line) touched before each. */
function perCall(fn: () => boolean, junk: Float64Array): number {
  let total = 0n;
  for (let i = 0; i < WARMUP + CALLS; i += 1) {
    for (let j = 0; j < junk.length; j += 8) junk[j] = (junk[j] as number) + 1;
    const started = process.hrtime.bigint();
    if (!fn()) throw new Error('verify failed');
    if (i >= WARMUP) total += process.hrtime.bigint() - started;
  }
  return Number(total) / 1000 / CALLS;
}

const ROUNDS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

console.log(`verify with other memory touched between calls: ${ROUNDS} interleaved rounds of ${CALLS} calls, median µs per verify, node ${process.version}`);
for (const [label, fn] of cases) {
  const buffers = MIB.map((mib) => new Float64Array((mib * 1024 * 1024) / 8));
  const samples = MIB.map((): number[] => []);
  // Rounds interleave the sizes, so a slow spell of a shared machine does not land on one size.
  for (let round = 0; round < ROUNDS; round += 1) {
    buffers.forEach((junk, index) => samples[index]?.push(perCall(fn, junk)));
  }
  const hot = median(samples[0] as number[]);
  const cells = MIB.map((mib, index) => {
    const micros = median(samples[index] as number[]);
    return `${mib} MiB ${micros.toFixed(1)} (${(micros / hot).toFixed(2)}x)`;
  });
  console.log(`  ${label.padEnd(34)} ${cells.join('   ')}`);
}
