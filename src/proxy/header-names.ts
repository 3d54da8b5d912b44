// The header names header-hygiene.ts treats specially, in one place: the fields a request may
// carry once, the dictionaries whose member keys must be unique, and the identity-shaped
// headers only a proxy that authenticated the caller may assert. The README lists them too.

/**
 * Fields a request may carry once. Node's single-value fields (it keeps the first and drops the
 * rest, lib/_http_incoming.js matchKnownFields) plus ones the sidecar reads or an app
 * authorizes on. Content-Length twice is refused by Node's parser already; listed for egress
 * and for clarity.
 */
export const SINGLE_FIELDS: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'content-type',
  'authorization',
  'proxy-authorization',
  'user-agent',
  'referer',
  'from',
  'if-modified-since',
  'if-unmodified-since',
  'max-forwards',
  'location',
  'retry-after',
  'etag',
  'last-modified',
  'server',
  'age',
  'expires',
  'origin',
  'x-request-id',
]);

/** RFC 8941 Dictionaries the signature check reads: a member key may appear once across all lines. */
export const DICTIONARY_FIELDS: readonly string[] = ['signature-input', 'signature', 'content-digest'];

/**
 * Certificate identity: only the TLS terminator that saw the certificate may assert these.
 * Stripped in both directions (egress: the app has no peer certificate to speak for).
 * A trailing "*" is a prefix.
 */
export const CERTIFICATE_IDENTITY_HEADERS: readonly string[] = [
  'x-spiffe-id',
  'x-forwarded-client-cert*',
  'x-forwarded-tls-client-*',
  'x-client-cert*',
  'client-cert',
  'client-cert-chain',
  'x-ssl-*',
  'ssl-client-*',
  'x-client-verify',
  'x-client-dn',
  'x-client-subject',
  'x-client-issuer',
  'x-arr-clientcert',
  'x-amzn-mtls-*',
];

/**
 * Stripped from the peer inbound: certificate identity, plus the user identity an
 * authenticating proxy asserts, forwarded request context only the sidecar knows, and
 * overrides that make an app dispatch another method or path than the one authorized.
 */
export const IDENTITY_HEADERS: readonly string[] = [
  ...CERTIFICATE_IDENTITY_HEADERS,
  // user identity asserted by an authenticating proxy (oauth2-proxy, Apache, IAP, ALB, App Service...)
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-groups',
  'x-forwarded-preferred-username',
  'x-forwarded-access-token',
  'x-remote-user',
  'x-remote-group',
  'x-remote-groups',
  'remote-user',
  'x-authenticated-*',
  'x-consumer-*',
  'x-userinfo',
  'x-webauth-user',
  'x-pomerium-*',
  'cf-access-*',
  'x-auth-request-*',
  'x-amzn-oidc-*',
  'x-goog-authenticated-user-*',
  'x-goog-iap-jwt-assertion',
  'x-ms-client-principal*',
  // forwarded request context
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-forwarded-ssl',
  'x-forwarded-scheme',
  'x-url-scheme',
  'front-end-https',
  'x-envoy-*',
  // overrides of the method or path the app dispatches
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  'x-original-method',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
];

/** One header-name pattern: exact, or a prefix when it ends in "*". */
export type NameMatcher = (lowerName: string) => boolean;

/** Answers remembered per matcher: real traffic repeats a few dozen names; bounded so a flood of new names cannot grow it. */
const MEMO_LIMIT = 2048;

export function nameMatcher(patterns: readonly string[]): NameMatcher {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const pattern of patterns) {
    const lower = pattern.toLowerCase();
    if (lower.endsWith('*')) prefixes.push(lower.slice(0, -1));
    else exact.add(lower);
  }
  const memo = new Map<string, boolean>();
  return (name) => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const matched = exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix));
    if (memo.size < MEMO_LIMIT) memo.set(name, matched);
    return matched;
  };
}

