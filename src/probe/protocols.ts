// Which protocol versions the server accepts, each on its own connection, and whether it refuses
// a downgraded handshake that carries TLS_FALLBACK_SCSV.
import type { Finding } from '../report/findings.js';
import { attempt } from './connect.js';
import { TLS12_SUITES } from './cipher-suites.js';
import { finding } from './finding.js';
import { ALERT_INAPPROPRIATE_FALLBACK, serverFlight, type RawVersion } from './raw-hello.js';
import type { CheckOutcome, ProbeContext } from './types.js';

export const VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof VERSIONS)[number];

/** Each version on its own connection. A version the deadline cut is absent from the map. */
export async function acceptedVersions(context: ProbeContext): Promise<Map<TlsVersion, boolean>> {
  const { target } = context;
  const results = await context.budget.all(VERSIONS, (version, timeoutMs) =>
    attempt(target, { minVersion: version, maxVersion: version, cert: target.cert, key: target.key, ca: target.ca, timeoutMs }),
  );
  const out = new Map<TlsVersion, boolean>();
  VERSIONS.forEach((version, index) => {
    const result = results[index];
    if (result && !result.timedOut) out.set(version, result.negotiated);
  });
  return out;
}

export async function checkProtocols(context: ProbeContext): Promise<CheckOutcome> {
  const started = Date.now();
  const versions = await acceptedVersions(context);
  context.versions = versions;
  const findings: Finding[] = [];
  const accepted = VERSIONS.filter((version) => versions.get(version) === true);
  if (versions.get('TLSv1')) findings.push(finding('tls10_accepted', 'a TLS 1.0-only ClientHello completed the negotiation'));
  if (versions.get('TLSv1.1')) findings.push(finding('tls11_accepted', 'a TLS 1.1-only ClientHello completed the negotiation'));
  if (versions.get('TLSv1.2') === false && versions.get('TLSv1.3') === false) findings.push(finding('tls12_tls13_not_supported', `accepted: ${accepted.join(', ') || 'none'}`));
  if (versions.get('TLSv1.3') === false && accepted.length > 0) findings.push(finding('tls13_not_supported', `highest accepted: ${accepted.at(-1)}`));

  // RFC 7507: offer a version below the server's best, flagged as a fallback. An honouring server
  // answers inappropriate_fallback. Only meaningful when the server accepts that lower version.
  let fallback: string;
  const lower = [...accepted].reverse().slice(1).find((version): version is RawVersion => version !== 'TLSv1.3');
  if (!lower) {
    fallback = 'not applicable: the server accepts no version below its best that a raw ClientHello can offer';
  } else {
    const flight = await context.budget.run((timeoutMs) => serverFlight(context.target, { version: lower, cipherCodes: TLS12_SUITES.map((suite) => suite.code), fallbackScsv: true, timeoutMs }));
    if (!flight) fallback = 'not tested: deadline reached';
    else if (flight.alert === ALERT_INAPPROPRIATE_FALLBACK) fallback = `honoured: a ${lower} fallback ClientHello got inappropriate_fallback`;
    else if (flight.serverHello) {
      fallback = `not honoured: a ${lower} ClientHello with TLS_FALLBACK_SCSV got a ServerHello`;
      findings.push(finding('fallback_scsv_not_honoured', `best version ${accepted.at(-1)}; a ${lower} ClientHello carrying TLS_FALLBACK_SCSV was answered with a ServerHello instead of an inappropriate_fallback alert`));
    } else fallback = `inconclusive: ${flight.alert !== undefined ? `alert ${flight.alert}` : (flight.error ?? 'no answer')}`;
  }
  return {
    findings,
    facts: {
      accepted,
      refused: VERSIONS.filter((version) => versions.get(version) === false),
      notTested: [...VERSIONS.filter((version) => !versions.has(version)), 'SSLv3', 'SSLv2'],
      sslv2Sslv3: 'not tested: this OpenSSL cannot offer SSLv2 or SSLv3',
      fallbackScsv: fallback,
    },
    durationMs: Date.now() - started,
  };
}
