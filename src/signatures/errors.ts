// Every refusal of the signature module carries a machine-readable kind, so a caller (the
// pipeline check) maps it to a reason code without parsing messages.

export type SignatureErrorKind =
  /** Signature-Input / Signature / a component identifier is not what RFC 8941 and RFC 9421 allow. */
  | 'malformed'
  /** A covered component is absent from the message (header missing, no query param...). */
  | 'component_missing'
  /** The cryptographic check failed, or the key cannot be used with the algorithm. */
  | 'invalid'
  /** An `alg` parameter contradicts the key's configured algorithm. */
  | 'alg_mismatch';

export class SignatureError extends Error {
  constructor(
    readonly kind: SignatureErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

export function malformed(message: string): SignatureError {
  return new SignatureError('malformed', message);
}
