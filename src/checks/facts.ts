// Per-request facts a check establishes for the checks after it and for telemetry (the verified
// token, the scopes a route used). Write-once: a later check can read a fact but never replace
// it, so no check can launder what an earlier one proved.
import type { TokenVerificationFact, VerifiedToken } from '../tokens/types.js';

/** For palisade_signature_verifications_total: `keyid` is a configured keyid, `unknown` or `none`. */
export interface SignatureVerificationFact {
  readonly keyid: string;
  readonly result: 'success' | 'failure';
  readonly reason: string;
}

export interface FactValues {
  /** Outcome of token verification (palisade_token_verifications_total). */
  tokenVerification: TokenVerificationFact;
  /** The verified token, when verification succeeded. */
  token: VerifiedToken;
  /** Scopes of the token that the matched route required (for the inventory's "used"). */
  scopesUsed: readonly string[];
  /** Outcome of signature verification (palisade_signature_verifications_total). */
  signatureVerification: SignatureVerificationFact;
}

export class RequestFacts {
  private readonly values: Partial<FactValues> = {};

  set<K extends keyof FactValues>(key: K, value: FactValues[K]): void {
    if (key in this.values) throw new Error(`request fact "${key}" is already set`);
    this.values[key] = value;
  }

  get<K extends keyof FactValues>(key: K): FactValues[K] | undefined {
    return this.values[key];
  }
}
