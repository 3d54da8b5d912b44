// palisade certs init: a dev CA and leaf certificates for given SPIFFE IDs.
// An existing ca.pem/ca-key.pem in --out is reused, so identities can be added later.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KEY_TYPES, createCa, createLeaf, loadIssuer, parseDuration, type IssuedCert, type KeyType } from '../certs/factory.js';
import { parseSpiffeId } from '../tls/spiffe.js';
import { parseFormat } from './format.js';
import { EXIT_OK, UsageError } from './usage.js';
import type { Command } from './command.js';

export interface CertsInitOptions {
  out: string;
  identities: Array<{ name: string; id: string }>;
  dnsNames?: string[];
  ipAddresses?: string[];
  keyType?: KeyType;
  validityMs?: number;
  caValidityMs?: number;
}

export interface WrittenIdentity {
  readonly name: string;
  readonly id: string;
  readonly cert: string;
  readonly key: string;
}

export interface CertsInitResult {
  readonly ca: string;
  readonly caKey: string;
  readonly reusedCa: boolean;
  readonly identities: WrittenIdentity[];
}

function writeSecret(path: string, data: string): void {
  writeFileSync(path, data, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function parseIdentityArg(arg: string): { name: string; id: string } {
  const eq = arg.indexOf('=');
  const hasName = eq > 0 && !arg.slice(0, eq).includes(':');
  const id = hasName ? arg.slice(eq + 1) : arg;
  const parsed = parseSpiffeId(id);
  if (!parsed.ok) throw new UsageError(`--identity ${arg}: not a valid SPIFFE ID: ${parsed.problem}`);
  const name = hasName ? arg.slice(0, eq) : (parsed.value.segments[parsed.value.segments.length - 1] ?? parsed.value.trustDomain);
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new UsageError(`--identity ${arg}: file name "${name}" may hold only letters, digits, ".", "-" and "_"`);
  return { name, id };
}

export async function certsInit(options: CertsInitOptions): Promise<CertsInitResult> {
  mkdirSync(options.out, { recursive: true });
  const caPath = join(options.out, 'ca.pem');
  const caKeyPath = join(options.out, 'ca-key.pem');
  let ca: IssuedCert;
  const reusedCa = existsSync(caPath) && existsSync(caKeyPath);
  if (reusedCa) {
    ca = await loadIssuer(readFileSync(caPath, 'utf8'), readFileSync(caKeyPath, 'utf8'));
  } else {
    ca = await createCa({ keyType: options.keyType ?? 'ec-p256', notAfter: new Date(Date.now() + (options.caValidityMs ?? parseDuration('365d'))) });
    writeFileSync(caPath, ca.certPem);
    writeSecret(caKeyPath, ca.keyPem);
  }
  const names = new Set<string>();
  const identities: WrittenIdentity[] = [];
  for (const identity of options.identities) {
    if (names.has(identity.name)) throw new UsageError(`two identities would both be written as ${identity.name}.pem; name them: --identity NAME=spiffe://…`);
    names.add(identity.name);
    const leaf = await createLeaf({
      issuer: ca,
      uris: [identity.id],
      dnsNames: options.dnsNames,
      ipAddresses: options.ipAddresses,
      keyType: options.keyType ?? 'ec-p256',
      notAfter: new Date(Date.now() + (options.validityMs ?? parseDuration('30d'))),
    });
    const cert = join(options.out, `${identity.name}.pem`);
    const key = join(options.out, `${identity.name}-key.pem`);
    writeFileSync(cert, leaf.certPem);
    writeSecret(key, leaf.keyPem);
    identities.push({ name: identity.name, id: identity.id, cert, key });
  }
  return { ca: caPath, caKey: caKeyPath, reusedCa, identities };
}

export async function certsCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'init') throw new UsageError('certs: the only subcommand is "init"');
  const { values } = parseArgs({
    args: rest,
    options: {
      out: { type: 'string', short: 'o' },
      identity: { type: 'string', short: 'i', multiple: true },
      dns: { type: 'string', multiple: true },
      ip: { type: 'string', multiple: true },
      'key-type': { type: 'string' },
      validity: { type: 'string' },
      'ca-validity': { type: 'string' },
      format: { type: 'string' },
    },
    strict: true,
  });
  const format = parseFormat(values.format, ['text', 'json']);
  if (!values.out) throw new UsageError('certs init needs --out DIR');
  if (!values.identity?.length) throw new UsageError('certs init needs at least one --identity spiffe://…');
  const keyType = values['key-type'] ?? 'ec-p256';
  if (!KEY_TYPES.includes(keyType as KeyType)) throw new UsageError(`--key-type must be one of ${KEY_TYPES.join(', ')}`);
  let validityMs: number | undefined;
  let caValidityMs: number | undefined;
  try {
    validityMs = values.validity ? parseDuration(values.validity) : undefined;
    caValidityMs = values['ca-validity'] ? parseDuration(values['ca-validity']) : undefined;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const result = await certsInit({
    out: values.out,
    identities: values.identity.map(parseIdentityArg),
    dnsNames: values.dns,
    ipAddresses: values.ip,
    keyType: keyType as KeyType,
    validityMs,
    caValidityMs,
  });
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return EXIT_OK;
  }
  process.stdout.write(`${result.reusedCa ? 'reused' : 'created'} CA: ${result.ca} (key ${result.caKey})\n`);
  for (const identity of result.identities) process.stdout.write(`${identity.id}\n  cert ${identity.cert}\n  key  ${identity.key}\n`);
  return EXIT_OK;
}

export const certs: Command = {
  help: {
    name: 'certs init',
    summary: 'a dev CA and leaf certificates with SPIFFE URI SANs',
    usage: ['certs init --out DIR --identity [NAME=]spiffe://… [--identity …] [options]'],
    description: 'Writes ca.pem and ca-key.pem (reused when DIR already has them) and, per identity, NAME.pem and\nNAME-key.pem (keys mode 0600). NAME defaults to the last path segment of the SPIFFE ID.',
    options: [
      { flags: '-o, --out DIR', description: 'where to write the files', required: true },
      { flags: '-i, --identity [NAME=]ID', description: 'a SPIFFE ID to issue a leaf for (repeatable)', required: true },
      { flags: '--dns NAME', description: 'a DNS SAN on every leaf (repeatable)' },
      { flags: '--ip ADDR', description: 'an IP SAN on every leaf (repeatable)' },
      { flags: '--key-type TYPE', description: `key type: ${KEY_TYPES.join(', ')}`, default: 'ec-p256' },
      { flags: '--validity D', description: 'leaf lifetime', default: '30d' },
      { flags: '--ca-validity D', description: 'CA lifetime (new CA only)', default: '365d' },
      { flags: '--format text|json', description: 'output format; json: {ca, caKey, reusedCa, identities: [{name, id, cert, key}]}', default: 'text' },
    ],
    examples: ['palisade certs init --out certs --identity spiffe://example.org/ns/web/sa/frontend --dns localhost --ip 127.0.0.1'],
  },
  run: certsCommand,
};
