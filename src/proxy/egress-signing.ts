// Egress signing (RFC 9421): every request the app sends out through the egress listener is
// signed with the service's key: the configured components (plus content-digest for a body),
// created, expires, a fresh nonce and the keyid. A body is buffered (bounded), digested, and
// sent as exactly those bytes. The key is part of the egress state, so a reload rotates it.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { EgressSigningConfig } from '../config/signatures-schema.js';
import type { LoadedSigningKey } from '../config/load-signatures.js';
import { parseComponentText, type Component } from '../signatures/components.js';
import { digestOf, formatContentDigest } from '../signatures/digest.js';
import { fieldLines, type HttpRequestMessage } from '../signatures/message.js';
import { signMessage } from '../signatures/sign.js';
import { RequestBody } from './body-reader.js';

/** Fields the signer owns: any copy from the app is replaced. */
const SIGNER_OWNED = new Set(['signature', 'signature-input', 'content-digest']);

export type SignedRequest =
  | { ok: true; headers: string[]; body: Buffer | null }
  /** `too_large`: over signing.maxBodyBytes; `incomplete`: the app went away before its body ended. */
  | { ok: false; problem: 'too_large' | 'incomplete'; detail: string };

export class EgressSigner {
  private readonly components: readonly Component[];
  private readonly digestComponent = parseComponentText('content-digest');

  constructor(
    readonly config: EgressSigningConfig,
    private readonly key: LoadedSigningKey,
  ) {
    this.components = config.components.map(parseComponentText).filter((component) => component.name !== 'content-digest');
  }

  get keyid(): string {
    return this.key.keyid;
  }

  /**
   * Sign a request for `authority` (the upstream's, as undici sends it in Host). `headers` is
   * undici's flat [name, value, ...] list; header fields the request lacks are not covered.
   */
  async sign(req: IncomingMessage, method: string, path: string, authority: string, headers: readonly string[], hasBody: boolean, now = Date.now()): Promise<SignedRequest> {
    const out: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      if (!SIGNER_OWNED.has((headers[i] as string).toLowerCase())) out.push(headers[i] as string, headers[i + 1] as string);
    }
    let body: Buffer | null = null;
    if (hasBody) {
      // Digested once, in signBuffered.
      const read = await new RequestBody(req).read(this.config.maxBodyBytes, []);
      if (!read.ok) return { ok: false, problem: read.problem, detail: read.detail };
      body = read.bytes;
    }
    return { ok: true, headers: this.signBuffered(method, path, authority, out, body, now), body };
  }

  /**
   * Sign with a body already in hand (or none): also used to sign a request again, e.g. when
   * its bearer token was replaced. Returns the header list with the signature fields.
   */
  signBuffered(method: string, path: string, authority: string, headers: readonly string[], body: Buffer | null, now = Date.now()): string[] {
    const hasBody = body !== null;
    const out: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      if (!SIGNER_OWNED.has((headers[i] as string).toLowerCase())) out.push(headers[i] as string, headers[i + 1] as string);
    }
    if (body !== null) out.push('content-digest', formatContentDigest(this.config.digest, digestOf(body, this.config.digest)));
    const lines: Array<[string, string]> = [];
    for (let i = 0; i < out.length; i += 2) lines.push([out[i] as string, out[i + 1] as string]);
    const message: HttpRequestMessage = { kind: 'request', method, target: path, scheme: 'https', authority, headers: lines };
    const components = this.components.filter((component) => component.name.startsWith('@') || fieldLines(lines, component.name).length > 0);
    if (hasBody) components.push(this.digestComponent);
    const created = Math.floor(now / 1000);
    const signed = signMessage(message, {
      label: this.config.label,
      components,
      algorithm: this.key.algorithm,
      key: this.key.key,
      params: {
        created,
        expires: created + Math.ceil(this.config.expiresInMs / 1000),
        nonce: randomBytes(16).toString('base64url'),
        keyid: this.key.keyid,
        tag: this.config.tag,
      },
    });
    out.push('signature-input', signed.signatureInput, 'signature', signed.signature);
    return out;
  }
}
