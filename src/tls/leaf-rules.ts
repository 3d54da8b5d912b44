// The rules that make a certificate a workload LEAF, read from the certificate's own extensions.
//
// Why not Node's X509Certificate.ca: OpenSSL reports CA:true only when keyUsage also allows
// keyCertSign, so `basicConstraints: critical, CA:TRUE` with `keyUsage: digitalSignature` reads
// as "not a CA" there, and such a certificate was accepted as a workload. Here every extension
// is decoded from the DER, and an extension that cannot be decoded, or appears twice, makes the
// certificate invalid rather than silently "absent" (RFC 5280 §4.2: at most one instance each).
//
// Two layers, both directions (inbound peers and egress upstreams):
//  - every leaf: basicConstraints CA:false (critical or not; absent means CA:false), no
//    pathLenConstraint, keyUsage without keyCertSign/cRLSign and, when present, with
//    digitalSignature (RFC 8446 §4.4.2.2: a TLS 1.3 signing key needs it);
//  - an X509-SVID (any URI SAN with the spiffe scheme, in any letter case): exactly one URI
//    SAN, a SPIFFE ID with a non-root path, keyUsage present and critical, extendedKeyUsage
//    (when present) with both serverAuth and clientAuth, and a critical SAN extension when the
//    subject is empty (spiffe/spiffe standards/X509-SVID.md §2, §3.1, §4.1, §4.3, §4.4, §5.2).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { parseSpiffeId } from '../core/spiffe.js';

export type LeafRule = 'cert_is_ca' | 'cert_key_usage_invalid' | 'bad_spiffe_id' | 'cert_invalid';

export interface LeafProblem {
  readonly rule: LeafRule;
  readonly detail: string;
}

export type KeyUsageName = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign' | 'encipherOnly' | 'decipherOnly';

const KEY_USAGE_BITS: ReadonlyArray<[KeyUsageName, number]> = [
  ['digitalSignature', x509.KeyUsageFlags.digitalSignature],
  ['nonRepudiation', x509.KeyUsageFlags.nonRepudiation],
  ['keyEncipherment', x509.KeyUsageFlags.keyEncipherment],
  ['dataEncipherment', x509.KeyUsageFlags.dataEncipherment],
  ['keyAgreement', x509.KeyUsageFlags.keyAgreement],
  ['keyCertSign', x509.KeyUsageFlags.keyCertSign],
  ['cRLSign', x509.KeyUsageFlags.cRLSign],
  ['encipherOnly', x509.KeyUsageFlags.encipherOnly],
  ['decipherOnly', x509.KeyUsageFlags.decipherOnly],
];

/** What the leaf rules read from a certificate; each extension null when absent. */
export interface LeafExtensions {
  readonly basicConstraints: { readonly critical: boolean; readonly ca: boolean; readonly pathLength?: number } | null;
  readonly keyUsage: { readonly critical: boolean; readonly usages: ReadonlySet<KeyUsageName> } | null;
  readonly extendedKeyUsage: { readonly critical: boolean; readonly oids: readonly string[] } | null;
  readonly subjectAltName: { readonly critical: boolean; readonly uris: readonly string[] } | null;
  readonly subjectEmpty: boolean;
  /** Extensions that appear more than once, or that could not be decoded. */
  readonly malformed: readonly string[];
}

const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extendedKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
} as const;
const OID_NAMES: Record<string, string> = Object.fromEntries(Object.entries(OID).map(([name, oid]) => [oid, name]));

export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const EKU_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** Decode the extensions the leaf rules need straight from the certificate's DER. */
export function readLeafExtensions(der: Uint8Array): LeafExtensions {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(der);
  } catch (error) {
    return { basicConstraints: null, keyUsage: null, extendedKeyUsage: null, subjectAltName: null, subjectEmpty: false, malformed: [`certificate: ${(error as Error).message.slice(0, 120)}`] };
  }
  const malformed: string[] = [];
  const seen = new Set<string>();
  let basicConstraints: LeafExtensions['basicConstraints'] = null;
  let keyUsage: LeafExtensions['keyUsage'] = null;
  let extendedKeyUsage: LeafExtensions['extendedKeyUsage'] = null;
  let subjectAltName: LeafExtensions['subjectAltName'] = null;
  let all: readonly x509.Extension[];
  try {
    // @peculiar/x509 decodes every known extension here and throws on one it cannot decode.
    all = cert.extensions;
  } catch (error) {
    return { basicConstraints: null, keyUsage: null, extendedKeyUsage: null, subjectAltName: null, subjectEmpty: false, malformed: [`an extension cannot be decoded (${(error as Error).message.slice(0, 80)})`] };
  }
  for (const extension of all) {
    const name = OID_NAMES[extension.type] ?? extension.type;
    if (seen.has(extension.type)) {
      malformed.push(`${name} appears more than once`);
      continue;
    }
    seen.add(extension.type);
    try {
      switch (extension.type) {
        case OID.basicConstraints: {
          const parsed = new x509.BasicConstraintsExtension(extension.rawData);
          basicConstraints = { critical: parsed.critical, ca: parsed.ca, ...(parsed.pathLength !== undefined ? { pathLength: parsed.pathLength } : {}) };
          break;
        }
        case OID.keyUsage: {
          const parsed = new x509.KeyUsagesExtension(extension.rawData);
          const usages = new Set(KEY_USAGE_BITS.filter(([, bit]) => ((parsed.usages ?? 0) & bit) !== 0).map(([usage]) => usage));
          // RFC 5280 §4.2.1.3: at least one bit MUST be set (OpenSSL then fails chain building).
          if (usages.size === 0) malformed.push('keyUsage has no bit set');
          keyUsage = { critical: parsed.critical, usages };
          break;
        }
        case OID.extendedKeyUsage: {
          const parsed = new x509.ExtendedKeyUsageExtension(extension.rawData);
          if (parsed.usages.length === 0) malformed.push('extendedKeyUsage is empty');
          extendedKeyUsage = { critical: parsed.critical, oids: parsed.usages.map(String) };
          break;
        }
        case OID.subjectAltName: {
          const parsed = new x509.SubjectAlternativeNameExtension(extension.rawData);
          if (parsed.names.items.length === 0) malformed.push('subjectAltName is empty');
          subjectAltName = { critical: parsed.critical, uris: parsed.names.items.filter((item) => item.type === 'url').map((item) => item.value) };
          break;
        }
      }
    } catch (error) {
      malformed.push(`${name} cannot be decoded (${(error as Error).message.slice(0, 80)})`);
    }
  }
  let subjectEmpty = false;
  try {
    subjectEmpty = cert.subjectName.toJSON().length === 0;
  } catch {
    malformed.push('subject cannot be decoded');
  }
  return { basicConstraints, keyUsage, extendedKeyUsage, subjectAltName, subjectEmpty, malformed };
}

function looksLikeSpiffe(uri: string): boolean {
  return uri.slice(0, 7).toLowerCase() === 'spiffe:';
}

/** True when the certificate presents itself as an X509-SVID (carries a SPIFFE ID). */
export function isSvid(extensions: LeafExtensions): boolean {
  return extensions.subjectAltName?.uris.some(looksLikeSpiffe) ?? false;
}

/** Every leaf rule the certificate breaks, most fundamental first. */
export function leafProblems(extensions: LeafExtensions): LeafProblem[] {
  const problems: LeafProblem[] = [];
  for (const detail of extensions.malformed) problems.push({ rule: 'cert_invalid', detail });
  const { basicConstraints, keyUsage, extendedKeyUsage, subjectAltName } = extensions;
  if (basicConstraints?.ca) problems.push({ rule: 'cert_is_ca', detail: `basicConstraints${basicConstraints.critical ? ' (critical)' : ''} CA:true on a certificate presented as a workload leaf` });
  else if (basicConstraints?.pathLength !== undefined) problems.push({ rule: 'cert_invalid', detail: 'basicConstraints pathLenConstraint without CA:true' });
  for (const usage of ['keyCertSign', 'cRLSign'] as const) {
    if (keyUsage?.usages.has(usage)) problems.push({ rule: 'cert_is_ca', detail: `keyUsage ${usage} on a certificate presented as a workload leaf` });
  }
  if (keyUsage && !keyUsage.usages.has('digitalSignature')) {
    problems.push({ rule: 'cert_key_usage_invalid', detail: `keyUsage lacks digitalSignature (has ${[...keyUsage.usages].join(', ') || 'none'})` });
  }
  if (!isSvid(extensions)) return problems;

  // X509-SVID rules.
  const uris = subjectAltName?.uris ?? [];
  if (uris.length !== 1) problems.push({ rule: 'bad_spiffe_id', detail: `an X509-SVID must have exactly one URI SAN; this one has ${uris.length}` });
  else {
    const parsed = parseSpiffeId(uris[0] as string);
    if (!parsed.ok) problems.push({ rule: 'bad_spiffe_id', detail: `malformed SPIFFE ID: ${parsed.problem}` });
    else if (parsed.value.segments.length === 0) problems.push({ rule: 'bad_spiffe_id', detail: 'a leaf SPIFFE ID must have a path; a bare trust domain names a signing certificate' });
  }
  if (extensions.subjectEmpty && subjectAltName && !subjectAltName.critical) {
    problems.push({ rule: 'cert_invalid', detail: 'subject is empty and the subjectAltName extension is not critical' });
  }
  if (!keyUsage) problems.push({ rule: 'cert_key_usage_invalid', detail: 'an X509-SVID must carry a keyUsage extension' });
  else if (!keyUsage.critical) problems.push({ rule: 'cert_key_usage_invalid', detail: 'an X509-SVID keyUsage extension must be critical' });
  if (extendedKeyUsage) {
    const missing = [
      ...(extendedKeyUsage.oids.includes(EKU_SERVER_AUTH) ? [] : ['serverAuth']),
      ...(extendedKeyUsage.oids.includes(EKU_CLIENT_AUTH) ? [] : ['clientAuth']),
    ];
    if (missing.length > 0) problems.push({ rule: 'cert_key_usage_invalid', detail: `an X509-SVID extendedKeyUsage must hold both serverAuth and clientAuth; it lacks ${missing.join(' and ')}` });
  }
  return problems;
}
