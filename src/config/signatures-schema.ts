// The `signatures` section of an inbound listener (key registry, time and replay limits), the
// `signature` key of a route, and the `signing` section of an egress listener.
// Strict like the rest of the schema: an unknown key is an error.
import { z } from 'zod';
import { ALGORITHMS } from '../signatures/algorithms.js';
import { parseComponentText } from '../signatures/components.js';
import { DIGEST_ALGORITHMS } from '../signatures/digest.js';
import { validateIdentityPattern } from '../core/identity-pattern.js';

const ms = (what: string) => z.number({ error: `${what} must be a number of milliseconds` }).int().positive();
const FilePath = z.string().min(1, { error: 'must be a file path' });
const Algorithm = z.enum(ALGORITHMS);
const KeyId = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/, { error: 'must be 1-128 printable ASCII characters without space, quote or backslash' });
const Label = z.string().regex(/^[a-z*][a-z0-9_\-.*]{0,63}$/, { error: 'must be an RFC 8941 key: lowercase letters, digits, "_", "-", ".", "*"' });

const Component = z.string().superRefine((value, ctx) => {
  try {
    parseComponentText(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid RFC 9421 component identifier: ${(error as Error).message}` });
  }
});

const SignatureKey = z
  .strictObject({
    /** The `keyid` a signature names; also the `keyid` metric label. */
    keyid: KeyId,
    /** Fixed here: a message's `alg` can only agree with it. */
    algorithm: Algorithm,
    /** The identity allowed to sign with this key (identity pattern, as in a route's allow). */
    identity: z.string().superRefine((value, ctx) => {
      const problem = validateIdentityPattern(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    /** Public key file: PEM (SPKI, PKCS#1, or a certificate) or a JWK; for hmac-sha256 an oct JWK or base64 secret. */
    key: FilePath.optional(),
    /** A JWKS file; the key whose `kid` equals `keyid` is used. */
    jwks: FilePath.optional(),
  })
  .refine((key) => (key.key === undefined) !== (key.jwks === undefined), { error: 'needs exactly one of key (a PEM or JWK file) or jwks (a JWKS file)' });

export const InboundSignaturesSchema = z
  .strictObject({
    keys: z.array(SignatureKey).min(1, { error: 'needs at least one key' }),
    /** Oldest acceptable `created`; also how long a nonce is remembered. */
    maxAgeMs: ms('maxAgeMs').default(300_000),
    /** Allowed clock difference with the signer, for `created` in the future and `expires`. */
    clockSkewMs: z.number().int().min(0).max(300_000).default(5_000),
    /** Nonces (or signatures) remembered at most; the oldest is forgotten first. */
    replayCacheSize: z.number().int().min(1).max(10_000_000).default(100_000),
    /** Largest body read to check its Content-Digest; larger → 413 body_too_large. */
    maxBodyBytes: z.number().int().min(0).max(1_073_741_824).default(1_048_576),
    /** Content-Digest algorithms accepted (at least one member must use one). */
    digestAlgorithms: z.array(z.enum(DIGEST_ALGORITHMS)).min(1).default(['sha-256', 'sha-512']),
    /** ECDSA signatures with s > n/2 (the malleable twin of a low-s one): refused, or accepted from signers that do not normalize. */
    ecdsaHighS: z.enum(['reject', 'accept']).default('accept'),
  })
  .superRefine((section, ctx) => {
    const seen = new Set<string>();
    section.keys.forEach((key, index) => {
      if (seen.has(key.keyid)) ctx.addIssue({ code: 'custom', path: ['keys', index, 'keyid'], message: `duplicate keyid "${key.keyid}"` });
      seen.add(key.keyid);
    });
  });
export type InboundSignaturesConfig = z.output<typeof InboundSignaturesSchema>;

export const RouteSignatureSchema = z.strictObject({
  /** true: a request without a signature gets 401 signature_missing; false: verified when present. */
  required: z.boolean().default(true),
  /** Components the signature must cover; default @method, @target-uri or @authority + @path. content-digest is always required with a body. */
  components: z.array(Component).min(1).optional(),
  /** Verify the signature with this label (default: the first in Signature-Input, or the one with `tag`). */
  label: Label.optional(),
  /** Verify the signature whose `tag` parameter equals this. */
  tag: z.string().min(1).max(128).optional(),
});
export type RouteSignatureConfig = z.output<typeof RouteSignatureSchema>;

/** Spread into the route schema. */
export const RouteSignatureKeys = {
  signature: RouteSignatureSchema.optional(),
};

export const EgressSigningSchema = z.strictObject({
  keyid: KeyId,
  algorithm: Algorithm,
  /** The service's private key (PEM or JWK; for hmac-sha256 an oct JWK or base64 secret); hot-reloaded. */
  key: FilePath,
  label: Label.default('sig1'),
  tag: z.string().min(1).max(128).optional(),
  /** Covered components; content-digest is added for every request with a body. */
  components: z.array(Component).min(1).default(['@method', '@authority', '@path', '@query']),
  /** `expires` = created + this. */
  expiresInMs: ms('expiresInMs').default(60_000),
  /** Content-Digest algorithm for bodies. */
  digest: z.enum(DIGEST_ALGORITHMS).default('sha-256'),
  /** Largest app body the listener buffers to digest and sign; larger → 413 body_too_large. */
  maxBodyBytes: z.number().int().min(0).max(1_073_741_824).default(1_048_576),
});
export type EgressSigningConfig = z.output<typeof EgressSigningSchema>;

/** Cross-field rules: a route with `signature` needs the listener's key registry. */
export function signatureConfigIssues(
  listener: { signatures?: unknown; routes: ReadonlyArray<{ signature?: unknown }> },
  index: number,
  issue: (path: Array<string | number>, message: string) => void,
): void {
  if (listener.signatures !== undefined) return;
  listener.routes.forEach((route, routeIndex) => {
    if (route.signature !== undefined) issue(['inbound', index, 'routes', routeIndex, 'signature'], `needs inbound[${index}].signatures (the key registry)`);
  });
}
