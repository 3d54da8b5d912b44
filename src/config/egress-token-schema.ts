// `egress[].upstreams[].token`: the sidecar gets an OAuth 2.0 access token for the upstream
// (client credentials over mTLS with the service's own certificate) and attaches it to every
// request it forwards there. Strict like the rest of the schema.
import { z } from 'zod';

const ms = (what: string) => z.number({ error: `${what} must be a number of milliseconds` }).int().positive();
const ScopeList = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/, { error: 'must be space-delimited RFC 6749 scope tokens' });

export const EgressTokenSchema = z.strictObject({
  /** The token endpoint (https; the broker's /token or any RFC 8705 server). */
  tokenUrl: z.url({ protocol: /^https$/, error: 'must be an https:// URL of the token endpoint' }),
  /** Scopes to ask for; absent asks for the server's default (the grant's minimum at a Palisade broker). */
  scope: ScopeList.optional(),
  /** Sent as `resource` (RFC 8707): the audience the token is for. */
  audience: z.string().min(1).optional(),
  /** Refresh this long before expiry; default 20% of the token's lifetime. */
  refreshBeforeMs: ms('refreshBeforeMs').optional(),
  /** Trust bundle for the token endpoint; default the upstream's tls.ca. */
  ca: z.string().min(1, { error: 'must be a file path' }).optional(),
  /** A token request that takes longer fails. */
  timeoutMs: ms('timeoutMs').default(5_000),
  /** Bodies up to this size are buffered so a request refused with invalid_token can be retried once; larger ones stream and are not retried. */
  retryBodyBytes: z.number().int().min(0).max(16_777_216).default(65_536),
});

export type EgressTokenConfig = z.output<typeof EgressTokenSchema>;
