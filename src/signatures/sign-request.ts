// Signing one whole HTTP request as a client would: the Content-Digest of its body (RFC 9530),
// then Signature-Input and Signature over the chosen components (RFC 9421). `palisade sign`
// prints these headers; the server drills and the benchmark send them.
import { randomBytes, type KeyObject } from 'node:crypto';
import { isAlgorithm, ALGORITHMS } from './algorithms.js';
import { parseComponentText } from './components.js';
import { digestOf, formatContentDigest, type DigestAlgorithm } from './digest.js';
import { importSigningKey } from './keys.js';
import type { HttpRequestMessage } from './message.js';
import { signMessage } from './sign.js';

export interface SignRequestOptions {
  /** The private key as file text, or already imported (`key`: no parsing per call). */
  readonly keyText?: string;
  readonly key?: KeyObject;
  readonly algorithm: string;
  readonly keyid: string;
  readonly url: string;
  readonly method?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly body?: string;
  readonly components?: readonly string[];
  readonly label?: string;
  readonly tag?: string;
  readonly expiresInMs?: number;
  readonly nonce?: boolean;
  readonly digest?: DigestAlgorithm;
  readonly now?: number;
}

/** The headers to add (Content-Digest when there is a body, Signature-Input, Signature). */
export function signRequestHeaders(options: SignRequestOptions): Array<[string, string]> {
  if (!isAlgorithm(options.algorithm)) throw new Error(`unknown signature algorithm "${options.algorithm}": one of ${ALGORITHMS.join(', ')}`);
  if (!URL.canParse(options.url)) throw new Error(`${options.url} is not a URL`);
  const url = new URL(options.url);
  const headers: Array<[string, string]> = (options.headers ?? []).map(([name, value]) => [name.toLowerCase(), value]);
  const hasBody = options.body !== undefined && options.body !== '';
  const digest = options.digest ?? 'sha-256';
  if (hasBody) headers.push(['content-digest', formatContentDigest(digest, digestOf(options.body as string, digest))]);
  const wanted = options.components ?? ['@method', '@target-uri'];
  const names = hasBody && !wanted.includes('content-digest') ? [...wanted, 'content-digest'] : wanted;
  const message: HttpRequestMessage = {
    kind: 'request',
    method: (options.method ?? (hasBody ? 'POST' : 'GET')).toUpperCase(),
    target: `${url.pathname}${url.search}`,
    scheme: url.protocol.replace(':', ''),
    authority: url.host,
    headers,
  };
  const created = Math.floor((options.now ?? Date.now()) / 1000);
  const signed = signMessage(message, {
    label: options.label ?? 'sig1',
    components: names.map(parseComponentText),
    algorithm: options.algorithm,
    key: options.key ?? importSigningKey(options.keyText ?? '', options.algorithm, options.keyid),
    params: {
      created,
      expires: options.expiresInMs !== undefined ? created + Math.ceil(options.expiresInMs / 1000) : undefined,
      nonce: options.nonce === false ? undefined : randomBytes(16).toString('base64url'),
      keyid: options.keyid,
      tag: options.tag,
    },
  });
  const out: Array<[string, string]> = hasBody ? [['Content-Digest', headers[headers.length - 1]![1]]] : [];
  out.push(['Signature-Input', signed.signatureInput], ['Signature', signed.signature]);
  return out;
}
