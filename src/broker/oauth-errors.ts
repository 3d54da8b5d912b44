// OAuth 2.0 error codes the broker answers with (RFC 6749 §5.2, RFC 8707 §2, RFC 7009 §2.2.1).
// They are the `error` of the JSON body, the `reason` label of palisade_broker_grants_total and
// the `error` of a refusal's audit line. A namespace of its own, defined by the RFCs, apart from
// the sidecar's reason codes (src/core/reasons.ts), which describe requests to an app.
export const OAUTH_ERRORS = {
  invalid_request: { status: 400, description: 'A parameter is missing, repeated, malformed, or the body is not a form.' },
  invalid_client: { status: 401, description: 'The client certificate gives no usable identity (no single valid SPIFFE ID).' },
  unauthorized_client: { status: 400, description: 'No grant names this identity.' },
  unsupported_grant_type: { status: 400, description: 'grant_type is not client_credentials.' },
  invalid_scope: { status: 400, description: 'A scope asked is outside the grant, the grant (identity × scope) was revoked, or no scope was asked and the grant has no defaultScopes.' },
  invalid_target: { status: 400, description: 'The resource / audience asked is not one of the grant\'s audiences (or several were asked).' },
  access_denied: { status: 403, description: 'POST /revoke by an identity the broker config does not name as admin.' },
  unsupported_token_type: { status: 400, description: 'POST /revoke named a token that is not one of this broker\'s access tokens.' },
  server_error: { status: 500, description: 'The broker could not sign or store (its store is down); nothing was granted.' },
} as const;

export type OAuthError = keyof typeof OAUTH_ERRORS;
