// palisade certs init: a dev CA and leaf certificates for given SPIFFE IDs.
// An existing ca.pem/ca-key.pem in --out is reused, so identities can be added later.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KEY_TYPES, createCa, createLeaf, loadIssuer, type IssuedCert, type KeyType } from '../certs/factory.js';
import { parseDuration } from '../core/duration.js';
import { checkCertsInitInput, dnsNameProblem, ipAddressProblem } from './certs-input.js';
import { parseFormat } from './format.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from './usage.js';
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

/** Thrown when --out cannot be used as it is; nothing has been written. */
export class CertsOutError extends Error {}

/**
 * The CA and every leaf are made in memory first and written only when all of them exist, so
 * a failure (an unreadable CA to reuse, a directory in the way) leaves no file behind.
 */
export async function certsInit(options: CertsInitOptions): Promise<CertsInitResult> {
  const caPath = join(options.out, 'ca.pem');
  const caKeyPath = join(options.out, 'ca-key.pem');
  if (existsSync(options.out) && !statSync(options.out).isDirectory()) throw new CertsOutError(`--out ${options.out}: exists and is not a directory`);
  const hasCa = existsSync(caPath);
  const hasCaKey = existsSync(caKeyPath);
  // One without the other would be overwritten by a new CA: refuse rather than destroy it.
  if (hasCa !== hasCaKey) throw new CertsOutError(`--out ${options.out}: has ${hasCa ? 'ca.pem but no ca-key.pem' : 'ca-key.pem but no ca.pem'}; restore the pair or remove the one left`);
  const reusedCa = hasCa && hasCaKey;
  // The CLI checked these already; a library caller (the demo) gets the same guarantee.
  const bad = [
    ...(options.dnsNames ?? []).flatMap((name) => (dnsNameProblem(name) ? [`--dns ${JSON.stringify(name)}: ${dnsNameProblem(name)}`] : [])),
    ...(options.ipAddresses ?? []).flatMap((address) => (ipAddressProblem(address) ? [`--ip ${JSON.stringify(address)}: ${ipAddressProblem(address)}`] : [])),
  ];
  if (bad.length > 0) throw new UsageError(bad.join('\n'));
  const names = new Set<string>();
  for (const identity of options.identities) {
    if (names.has(identity.name)) throw new UsageError(`two identities would both be written as ${identity.name}.pem; name them: --identity NAME=spiffe://…`);
    names.add(identity.name);
  }
  let ca: IssuedCert;
  if (reusedCa) {
    try {
      ca = await loadIssuer(readFileSync(caPath, 'utf8'), readFileSync(caKeyPath, 'utf8'));
    } catch (error) {
      throw new CertsOutError(`cannot reuse the CA in ${options.out}: ${(error as Error).message.split('\n')[0]}`);
    }
  } else {
    ca = await createCa({ keyType: options.keyType ?? 'ec-p256', notAfter: new Date(Date.now() + (options.caValidityMs ?? parseDuration('365d'))) });
  }
  const leaves: Array<{ identity: { name: string; id: string }; leaf: IssuedCert }> = [];
  for (const identity of options.identities) {
    const leaf = await createLeaf({
      issuer: ca,
      uris: [identity.id],
      dnsNames: options.dnsNames,
      ipAddresses: options.ipAddresses,
      keyType: options.keyType ?? 'ec-p256',
      notAfter: new Date(Date.now() + (options.validityMs ?? parseDuration('30d'))),
    });
    leaves.push({ identity, leaf });
  }
  mkdirSync(options.out, { recursive: true });
  if (!reusedCa) {
    writeFileSync(caPath, ca.certPem);
    writeSecret(caKeyPath, ca.keyPem);
  }
  const identities: WrittenIdentity[] = [];
  for (const { identity, leaf } of leaves) {
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
  // Every input is checked, and every problem reported, before anything is generated or written.
  const checked = checkCertsInitInput({
    identity: values.identity,
    dns: values.dns,
    ip: values.ip,
    keyType: values['key-type'],
    validity: values.validity,
    caValidity: values['ca-validity'],
  });
  if (!checked.ok) throw new UsageError(`certs init: ${checked.problems.length} invalid input(s), nothing written:\n  ${checked.problems.join('\n  ')}`);
  const input = checked.value;
  let result: CertsInitResult;
  try {
    result = await certsInit({
      out: values.out,
      identities: [...input.identities],
      dnsNames: [...input.dnsNames],
      ipAddresses: [...input.ipAddresses],
      keyType: input.keyType,
      validityMs: input.validityMs,
      caValidityMs: input.caValidityMs,
    });
  } catch (error) {
    if (!(error instanceof CertsOutError)) throw error;
    process.stderr.write(`palisade: ${error.message}; nothing written\n`);
    return EXIT_FINDINGS;
  }
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
