// Which cipher suites the server accepts: one suite per connection, for TLS 1.2 every suite this
// OpenSSL can offer at security level 0 (and, through a raw ClientHello, the legacy ones it cannot
// build), and each TLS 1.3 suite. Then the server's preference and its key-exchange groups.
import type { Finding } from '../report/findings.js';
import { attempt } from './connect.js';
import { CIPHER_WEAKNESSES, TLS12_SUITES, TLS13_SUITES, locallyOfferable, weaknessesOf, type CipherSuite, type CipherWeakness } from './cipher-suites.js';
import { finding } from './finding.js';
import { acceptedVersions } from './protocols.js';
import { serverFlight } from './raw-hello.js';
import type { CheckOutcome, ProbeContext } from './types.js';

const GROUPS = ['X25519', 'X448', 'P-256', 'P-384', 'P-521', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096'];

export async function checkCiphers(context: ProbeContext): Promise<CheckOutcome> {
  const started = Date.now();
  const { target, budget } = context;
  const versions = context.versions ?? (context.versions = await acceptedVersions(context));
  const base = { cert: target.cert, key: target.key, ca: target.ca };
  const tls12: CipherSuite[] = [];
  const notOffered: string[] = [];
  if (versions.get('TLSv1.2')) {
    const local = TLS12_SUITES.filter(locallyOfferable);
    const legacy = TLS12_SUITES.filter((suite) => !locallyOfferable(suite));
    const results = await budget.all(local, (suite, timeoutMs) => attempt(target, { ...base, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: suite.openssl, timeoutMs }));
    local.forEach((suite, index) => {
      if (results[index]?.negotiated) tls12.push(suite);
    });
    // Suites this OpenSSL cannot build: a raw ClientHello offering only that suite; a ServerHello
    // choosing it means accepted (the handshake is not completed, and need not be).
    const raw = await budget.all(legacy, (suite, timeoutMs) => serverFlight(target, { version: 'TLSv1.2', cipherCodes: [suite.code], timeoutMs }));
    legacy.forEach((suite, index) => {
      const flight = raw[index];
      if (flight?.serverHello?.cipher === suite.code) tls12.push(suite);
      else if (!flight) notOffered.push(suite.openssl);
    });
  }
  const tls13: CipherSuite[] = [];
  if (versions.get('TLSv1.3')) {
    const results = await budget.all(TLS13_SUITES, (suite, timeoutMs) => attempt(target, { ...base, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphersuites: suite.iana, timeoutMs }));
    TLS13_SUITES.forEach((suite, index) => {
      if (results[index]?.negotiated) tls13.push(suite);
    });
  }

  const findings: Finding[] = [];
  const byWeakness = new Map<CipherWeakness, string[]>();
  for (const suite of tls12) for (const weakness of weaknessesOf(suite)) byWeakness.set(weakness, [...(byWeakness.get(weakness) ?? []), suite.openssl]);
  for (const weakness of Object.keys(CIPHER_WEAKNESSES) as CipherWeakness[]) {
    const suites = byWeakness.get(weakness);
    if (suites) findings.push(finding(weakness, `TLS 1.2: ${suites.join(', ')}`));
  }
  const strong = [...tls12.filter((suite) => weaknessesOf(suite).length === 0), ...tls13];
  if (strong.length === 0 && (tls12.length > 0 || versions.get('TLSv1') || versions.get('TLSv1.1'))) {
    findings.push(finding('cipher_no_aead_forward_secrecy', `accepted TLS 1.2 suites: ${tls12.map((suite) => suite.openssl).join(', ') || 'none'}`));
  }

  // Preference: offer two accepted suites in both orders; a server with its own order picks the
  // same one both times.
  let preference = 'not applicable: fewer than two TLS 1.2 suites accepted';
  if (tls12.length >= 2) {
    const [a, b] = [tls12[0] as CipherSuite, tls12.at(-1) as CipherSuite];
    const [first, second] = await Promise.all([
      budget.run((timeoutMs) => attempt(target, { ...base, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: `${a.openssl}:${b.openssl}`, timeoutMs })),
      budget.run((timeoutMs) => attempt(target, { ...base, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: `${b.openssl}:${a.openssl}`, timeoutMs })),
    ]);
    if (first?.cipher && second?.cipher) {
      if (first.cipher === second.cipher) preference = `server order (picks ${first.cipher} from either order)`;
      else {
        preference = 'client order';
        findings.push(finding('cipher_order_client', `offered ${a.openssl}:${b.openssl} got ${first.cipher}; offered ${b.openssl}:${a.openssl} got ${second.cipher}`));
      }
    } else preference = 'inconclusive: the handshakes did not complete (a client certificate may be required: probe with --cert/--key)';
  }

  // Groups: one per connection, on TLS 1.3 when accepted (where every group is a key share), else
  // on TLS 1.2 with ECDHE suites only (finite-field groups do not apply there).
  const groupVersion = versions.get('TLSv1.3') ? 'TLSv1.3' : versions.get('TLSv1.2') ? 'TLSv1.2' : undefined;
  const groups: string[] = [];
  if (groupVersion) {
    const candidates = groupVersion === 'TLSv1.3' ? GROUPS : GROUPS.filter((group) => !group.startsWith('ffdhe'));
    const results = await budget.all(candidates, (group, timeoutMs) =>
      attempt(target, { ...base, minVersion: groupVersion, maxVersion: groupVersion, ...(groupVersion === 'TLSv1.2' ? { ciphers: 'ECDHE' } : {}), groups: group, timeoutMs }),
    );
    candidates.forEach((group, index) => {
      if (results[index]?.negotiated) groups.push(group);
    });
  }

  return {
    findings,
    facts: {
      tls12: tls12.map((suite) => ({ name: suite.openssl, iana: suite.iana, code: `0x${suite.code.toString(16).padStart(4, '0')}`, weaknesses: weaknessesOf(suite) })),
      tls13: tls13.map((suite) => ({ name: suite.iana, code: `0x${suite.code.toString(16).padStart(4, '0')}` })),
      preference,
      groups,
      groupsTestedOn: groupVersion ?? null,
      ...(notOffered.length > 0 ? { notTested: notOffered } : {}),
      scope: 'TLS 1.2 and TLS 1.3 suites; PSK and SRP suites are not offered',
    },
    durationMs: Date.now() - started,
  };
}
