// Every input of `palisade certs init`, checked before anything is generated or written, with
// every problem reported at once: a bad --ip must not leave a fresh CA behind, and a bad --dns
// must never end up inside a certificate.
import { isIP } from 'node:net';
import { KEY_TYPES, type KeyType } from '../certs/factory.js';
import { parseDuration } from '../core/duration.js';
import { parseSpiffeId } from '../core/spiffe.js';

export interface CertsInitInput {
  readonly identities: ReadonlyArray<{ readonly name: string; readonly id: string }>;
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly keyType: KeyType;
  readonly validityMs: number;
  readonly caValidityMs: number;
}

export interface RawCertsInitInput {
  readonly identity?: readonly string[] | undefined;
  readonly dns?: readonly string[] | undefined;
  readonly ip?: readonly string[] | undefined;
  readonly keyType?: string | undefined;
  readonly validity?: string | undefined;
  readonly caValidity?: string | undefined;
}

/** Certificates past 9999-12-31 cannot be encoded (GeneralizedTime has four year digits). */
const LAST_ENCODABLE = Date.UTC(9999, 11, 31, 23, 59, 59);
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why `name` is not an RFC 1123 host name (a leading "*." wildcard label allowed), or undefined. */
export function dnsNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (isIP(name) !== 0) return 'is an IP address; use --ip for it';
  if (name.length > 253) return 'is longer than 253 characters';
  if (name.endsWith('.')) return 'must not end with "."';
  const labels = name.split('.');
  const [first, ...rest] = labels;
  if (first === '*') {
    if (rest.length < 2) return 'a wildcard needs at least two labels after "*." (e.g. *.example.org)';
  }
  for (const label of first === '*' ? rest : labels) {
    if (label === '') return 'has an empty label ("..")';
    if (label.length > 63) return `label "${label.slice(0, 20)}…" is longer than 63 characters`;
    if (!LABEL.test(label)) return `label "${label}" may hold only letters, digits and "-" (not at its start or end)`;
  }
  return undefined;
}

/** Why `address` is not a literal IPv4 or IPv6 address, or undefined. */
export function ipAddressProblem(address: string): string | undefined {
  if (address.includes('%')) return 'a zone index ("%…") cannot be put in a certificate';
  return isIP(address) === 0 ? 'is not an IPv4 or IPv6 address' : undefined;
}

function identityOf(arg: string, problems: string[]): { name: string; id: string } | undefined {
  const eq = arg.indexOf('=');
  const hasName = eq > 0 && !arg.slice(0, eq).includes(':');
  const id = hasName ? arg.slice(eq + 1) : arg;
  const parsed = parseSpiffeId(id);
  if (!parsed.ok) {
    problems.push(`--identity ${arg}: not a valid SPIFFE ID: ${parsed.problem}`);
    return undefined;
  }
  // X509-SVID §3.1: a leaf's SPIFFE ID has a path; a bare trust domain names a signing CA,
  // and Palisade refuses such a leaf (bad_spiffe_id).
  if (parsed.value.segments.length === 0) {
    problems.push(`--identity ${arg}: a workload SPIFFE ID needs a path, e.g. spiffe://${parsed.value.trustDomain}/ns/default/sa/api`);
    return undefined;
  }
  const name = hasName ? arg.slice(0, eq) : (parsed.value.segments[parsed.value.segments.length - 1] as string);
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name === '.' || name === '..') {
    problems.push(`--identity ${arg}: file name "${name}" may hold only letters, digits, ".", "-" and "_"`);
    return undefined;
  }
  return { name, id };
}

function durationOf(flag: string, text: string, problems: string[]): number {
  try {
    const ms = parseDuration(text);
    if (Date.now() + ms > LAST_ENCODABLE) {
      problems.push(`${flag} ${text}: ends after the year 9999, which a certificate cannot encode`);
      return 0;
    }
    return ms;
  } catch (error) {
    problems.push(`${flag}: ${(error as Error).message}`);
    return 0;
  }
}

/** The checked input, or every problem found (each naming its option). */
export function checkCertsInitInput(raw: RawCertsInitInput): { ok: true; value: CertsInitInput } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const identities: Array<{ name: string; id: string }> = [];
  const byName = new Map<string, string>();
  for (const arg of raw.identity ?? []) {
    const identity = identityOf(arg, problems);
    if (!identity) continue;
    const other = byName.get(identity.name);
    if (other !== undefined) {
      problems.push(`--identity ${arg}: would be written as ${identity.name}.pem like ${other}; name them: --identity NAME=spiffe://…`);
      continue;
    }
    byName.set(identity.name, arg);
    identities.push(identity);
  }
  for (const name of raw.dns ?? []) {
    const problem = dnsNameProblem(name);
    if (problem) problems.push(`--dns ${JSON.stringify(name)}: ${problem}`);
  }
  for (const address of raw.ip ?? []) {
    const problem = ipAddressProblem(address);
    if (problem) problems.push(`--ip ${JSON.stringify(address)}: ${problem}`);
  }
  const keyType = raw.keyType ?? 'ec-p256';
  if (!KEY_TYPES.includes(keyType as KeyType)) problems.push(`--key-type ${keyType}: must be one of ${KEY_TYPES.join(', ')}`);
  const validityMs = durationOf('--validity', raw.validity ?? '30d', problems);
  const caValidityMs = durationOf('--ca-validity', raw.caValidity ?? '365d', problems);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { identities, dnsNames: [...(raw.dns ?? [])], ipAddresses: [...(raw.ip ?? [])], keyType: keyType as KeyType, validityMs, caValidityMs } };
}
