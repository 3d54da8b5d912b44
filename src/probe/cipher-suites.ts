// The cipher-suite catalogue and what is wrong with each suite. The classification follows the
// weaknesses every TLS guideline (RFC 9325, Mozilla, NIST SP 800-52r2) names: no encryption, no
// authentication, export-grade, broken ciphers, no forward secrecy, CBC's padding-oracle history.
import { createSecureContext } from 'node:tls';
import type { Severity } from '../report/findings.js';
import { TLS12_CIPHER_ROWS, TLS13_CIPHER_ROWS } from './cipher-table.js';

export interface CipherSuite {
  /** The IANA code point, e.g. 0xc02f. */
  readonly code: number;
  /** IANA name, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256. */
  readonly iana: string;
  /** OpenSSL name, ECDHE-RSA-AES128-GCM-SHA256 (TLS 1.3 suites: the IANA name). */
  readonly openssl: string;
  readonly keyExchange: string;
  readonly authentication: string;
  readonly encryption: string;
  readonly mac: string;
}

export type CipherWeakness = 'cipher_null' | 'cipher_anonymous' | 'cipher_export' | 'cipher_rc4' | 'cipher_des' | 'cipher_3des' | 'cipher_static_rsa' | 'cipher_cbc';

export interface WeaknessInfo {
  readonly severity: Severity;
  readonly title: string;
  readonly fix: string;
}

export const CIPHER_WEAKNESSES: Readonly<Record<CipherWeakness, WeaknessInfo>> = {
  cipher_null: { severity: 'critical', title: 'NULL cipher suites accepted: traffic is not encrypted', fix: 'remove eNULL suites (OpenSSL: add !eNULL to the cipher list)' },
  cipher_anonymous: { severity: 'critical', title: 'anonymous cipher suites accepted: the server is not authenticated', fix: 'remove aNULL suites (OpenSSL: add !aNULL)' },
  cipher_export: { severity: 'critical', title: 'EXPORT-grade cipher suites accepted', fix: 'remove EXPORT suites (OpenSSL: add !EXPORT)' },
  cipher_rc4: { severity: 'high', title: 'RC4 cipher suites accepted (RFC 7465 forbids them)', fix: 'remove RC4 suites (OpenSSL: add !RC4)' },
  cipher_des: { severity: 'high', title: 'single-DES cipher suites accepted (56-bit keys)', fix: 'remove DES suites (OpenSSL: add !DES)' },
  cipher_3des: { severity: 'high', title: '3DES cipher suites accepted (64-bit blocks: SWEET32)', fix: 'remove 3DES suites (OpenSSL: add !3DES)' },
  cipher_static_rsa: { severity: 'medium', title: 'static RSA key exchange accepted: no forward secrecy', fix: 'offer only ECDHE/DHE key exchange (OpenSSL: add !kRSA)' },
  cipher_cbc: { severity: 'low', title: 'CBC-mode cipher suites accepted', fix: 'prefer AEAD suites (AES-GCM, ChaCha20-Poly1305) and drop CBC where clients allow' },
};

function suiteOf(row: readonly [number, string, string, string, string, string, string]): CipherSuite {
  const [code, iana, openssl, keyExchange, authentication, encryption, mac] = row;
  return { code, iana, openssl, keyExchange, authentication, encryption, mac };
}

export const TLS12_SUITES: readonly CipherSuite[] = TLS12_CIPHER_ROWS.map(suiteOf);
export const TLS13_SUITES: readonly CipherSuite[] = TLS13_CIPHER_ROWS.map(([code, iana]) => ({
  code,
  iana,
  openssl: iana,
  keyExchange: 'any',
  authentication: 'any',
  encryption: iana.includes('CHACHA') ? 'CHACHA20/POLY1305' : iana.includes('CCM') ? 'AESCCM' : 'AESGCM',
  mac: 'AEAD',
}));

/** Every weakness of a suite; an empty list is an AEAD suite with forward secrecy. */
export function weaknessesOf(suite: CipherSuite): CipherWeakness[] {
  const out: CipherWeakness[] = [];
  if (suite.encryption === 'None') out.push('cipher_null');
  if (suite.authentication === 'None') out.push('cipher_anonymous');
  if (suite.openssl.startsWith('EXP') || suite.keyExchange.includes('(512)')) out.push('cipher_export');
  if (suite.encryption.startsWith('RC4')) out.push('cipher_rc4');
  if (suite.encryption.startsWith('DES(')) out.push('cipher_des');
  if (suite.encryption.startsWith('3DES')) out.push('cipher_3des');
  if (suite.keyExchange === 'RSA' || suite.keyExchange.startsWith('RSA(')) out.push('cipher_static_rsa');
  if (suite.mac !== 'AEAD' && suite.encryption !== 'None' && !suite.encryption.startsWith('RC4')) out.push('cipher_cbc');
  return out;
}

let offerable: Set<string> | undefined;

/**
 * The suites this process's OpenSSL can put in a ClientHello at security level 0. Computed once:
 * OpenSSL builds differ (Debian's 3.0 has no 3DES or RC4 in the default provider).
 */
export function locallyOfferable(suite: CipherSuite): boolean {
  if (!offerable) {
    offerable = new Set();
    for (const candidate of TLS12_SUITES) {
      try {
        createSecureContext({ ciphers: `${candidate.openssl}:@SECLEVEL=0` });
        offerable.add(candidate.openssl);
      } catch {
        // "no cipher match": this build cannot offer it.
      }
    }
    for (const candidate of TLS13_SUITES) offerable.add(candidate.openssl);
  }
  return offerable.has(suite.openssl);
}

export function suiteByName(name: string): CipherSuite | undefined {
  return TLS12_SUITES.find((suite) => suite.openssl === name) ?? TLS13_SUITES.find((suite) => suite.iana === name);
}
