// What a server drill attempt changes relative to the genuine baseline request. A server
// scenario is the baseline with exactly one of these forged; everything it does not name is
// sent as the baseline sends it (a fresh genuine token, a fresh genuine signature).
import type { CertificateSpec } from './impostor-certs.js';
import type { ScenarioInfo } from './scenario.js';

export type TokenForgery =
  | { readonly kind: 'none' }
  /** A correctly signed token (issuer key from the drill file) with one claim wrong. */
  | { readonly kind: 'claims'; readonly expired?: true; readonly audience?: 'other'; readonly boundTo?: 'other_cert'; readonly extraScopes?: true }
  /** The same claims with `alg: none` and no signature. */
  | { readonly kind: 'alg_none' };

export type SignatureForgery =
  | 'strip'
  /** Signed over the genuine body, sent with another body (the Content-Digest header unchanged). */
  | 'tamper_body'
  /** Signed, then a covered header field's value changed. */
  | 'tamper_header'
  /** The baseline request sent again byte for byte: same signature, nonce and created. */
  | 'replay'
  /** Signed correctly, an hour ago (created and expires in the past). */
  | 'expired';

export interface ServerScenario extends ScenarioInfo {
  /** Which part of the baseline must exist for the scenario to apply. */
  readonly needs: 'tls' | 'token' | 'signature';
  readonly clientCert?: CertificateSpec | 'none';
  readonly protocol?: 'tls10';
  readonly token?: TokenForgery;
  readonly signature?: SignatureForgery;
}

export const SERVER_BASELINE: ServerScenario = {
  name: 'baseline',
  forges: 'nothing: the genuine client certificate, token and signature',
  resistedWhen: 'the server answers 2xx (the genuine caller is let in)',
  needs: 'tls',
};

export const REFUSE_TLS = 'the server refuses the handshake or answers 401/403';
export const REFUSE_HTTP = 'the server answers 401 or 403';
