// palisade sign: sign one HTTP request (RFC 9421, with an RFC 9530 Content-Digest for a body)
// for tests and staging, and print the headers to add, or a curl command that sends it.
//
//   palisade sign --key k.pem --alg ed25519 --keyid frontend-key --url https://host:8443/api/x \
//                 [--method POST] [--header 'content-type: application/json'] [--data '{"a":1}']
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isAlgorithm, ALGORITHMS } from '../signatures/algorithms.js';
import type { DigestAlgorithm } from '../signatures/digest.js';
import { signRequestHeaders } from '../signatures/sign-request.js';
import { parseDuration } from '../core/duration.js';
import { EXIT_OK, UsageError } from './usage.js';
import type { Command } from './command.js';

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function signCommand(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      key: { type: 'string' },
      alg: { type: 'string' },
      keyid: { type: 'string' },
      url: { type: 'string' },
      method: { type: 'string', short: 'X' },
      header: { type: 'string', short: 'H', multiple: true },
      data: { type: 'string', short: 'd' },
      'data-file': { type: 'string' },
      component: { type: 'string', multiple: true },
      label: { type: 'string' },
      tag: { type: 'string' },
      expires: { type: 'string' },
      'no-nonce': { type: 'boolean' },
      digest: { type: 'string' },
      format: { type: 'string' },
    },
    allowPositionals: false,
  });
  for (const required of ['key', 'alg', 'keyid', 'url'] as const) if (!values[required]) throw new UsageError(`sign needs --${required}`);
  if (values.data !== undefined && values['data-file'] !== undefined) throw new UsageError('use --data or --data-file, not both');
  const format = values.format ?? 'headers';
  if (format !== 'headers' && format !== 'curl') throw new UsageError('--format must be headers or curl');
  if (values.digest !== undefined && values.digest !== 'sha-256' && values.digest !== 'sha-512') throw new UsageError('--digest must be sha-256 or sha-512');
  const headers = (values.header ?? []).map((line): [string, string] => {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new UsageError(`--header ${line}: expected "Name: value"`);
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
  });
  const body = values['data-file'] !== undefined ? readFileSync(values['data-file'], 'utf8') : values.data;
  const keyText = readFileSync(values.key as string, 'utf8');
  const expiresInMs = values.expires !== undefined ? parseDuration(values.expires) : undefined;
  if (!isAlgorithm(values.alg as string)) throw new UsageError(`--alg must be one of ${ALGORITHMS.join(', ')}`);
  if (!URL.canParse(values.url as string)) throw new UsageError(`--url ${values.url as string} is not a URL`);
  const added = signRequestHeaders({
    keyText,
    algorithm: values.alg as string,
    keyid: values.keyid as string,
    url: values.url as string,
    ...(values.method !== undefined ? { method: values.method } : {}),
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(values.component ? { components: values.component } : {}),
    ...(values.label !== undefined ? { label: values.label } : {}),
    ...(values.tag !== undefined ? { tag: values.tag } : {}),
    ...(expiresInMs !== undefined ? { expiresInMs } : {}),
    nonce: !values['no-nonce'],
    ...(values.digest !== undefined ? { digest: values.digest as DigestAlgorithm } : {}),
  });
  if (format === 'headers') {
    process.stdout.write(added.map(([name, value]) => `${name}: ${value}\n`).join(''));
  } else {
    const method = (values.method ?? (body ? 'POST' : 'GET')).toUpperCase();
    const parts = ['curl', '-X', method, ...[...headers, ...added].flatMap(([name, value]) => ['-H', shellQuote(`${name}: ${value}`)])];
    if (body) parts.push('--data-binary', shellQuote(body));
    parts.push(shellQuote(values.url as string));
    process.stdout.write(`${parts.join(' ')}\n`);
  }
  return EXIT_OK;
}

export const sign: Command = {
  help: {
    name: 'sign',
    summary: 'sign one HTTP request (RFC 9421, with an RFC 9530 Content-Digest for a body)',
    usage: ["sign --key FILE --alg ALG --keyid ID --url https://HOST/PATH [-X METHOD] [-H 'Name: value'] [-d BODY | --data-file F] [options]"],
    description: 'Prints the headers to add (Content-Digest, Signature-Input, Signature), or a curl command that sends the signed request.',
    options: [
      { flags: '--key FILE', description: 'the private key (PEM)', required: true },
      { flags: '--alg ALG', description: `algorithm: ${ALGORITHMS.join(', ')}`, required: true },
      { flags: '--keyid ID', description: 'the keyid parameter', required: true },
      { flags: '--url URL', description: 'the request URL (@target-uri, @authority, @path...)', required: true },
      { flags: '-X, --method METHOD', description: 'the request method', default: 'GET, or POST with a body' },
      { flags: "-H, --header 'Name: value'", description: 'a request header (repeatable)' },
      { flags: '-d, --data BODY', description: 'the request body' },
      { flags: '--data-file FILE', description: 'the request body, from a file' },
      { flags: '--component C', description: 'a covered component (repeatable)', default: '@method @target-uri, plus content-digest with a body' },
      { flags: '--label L', description: 'the signature label', default: 'sig1' },
      { flags: '--tag T', description: 'the tag parameter' },
      { flags: '--expires D', description: 'add expires = created + D' },
      { flags: '--no-nonce', description: 'leave out the nonce parameter' },
      { flags: '--digest ALG', description: 'sha-256 or sha-512', default: 'sha-256' },
      { flags: '--format F', description: 'headers or curl', default: 'headers' },
    ],
    examples: ["palisade sign --key k.pem --alg ed25519 --keyid frontend-key --url https://localhost:8443/api/x -X POST -d '{\"a\":1}' --format curl"],
  },
  run: signCommand,
};
