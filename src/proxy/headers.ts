// Header hygiene between peer, sidecar and app (RFC 9110 §7.6.1).
//
// Hop-by-hop fields are dropped in both directions, with any field the Connection header
// names. Headers the sidecar owns (x-forwarded-client-cert and friends) are dropped from the
// peer's request first and set afterwards, so a peer can neither forge nor strip them.

export const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings']);

/** Set only by the sidecar; any copy from the peer is removed. */
export const SIDECAR_OWNED: ReadonlySet<string> = new Set(['x-forwarded-client-cert', 'x-forwarded-proto', 'x-request-id']);

function connectionListed(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const listed = new Set<string>();
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const name = part.trim().toLowerCase();
    if (name) listed.add(name);
  }
  return listed;
}

/**
 * Request headers for the upstream, from the peer's raw header list (which keeps duplicates
 * and order, unlike IncomingMessage.headers), as undici's flat [name, value, ...] array.
 * The sidecar's own headers come first: an app whose server keeps only its first N fields
 * still sees who called. `keep`, when given, drops every other peer field (header-hygiene.ts).
 */
export function upstreamRequestHeaders(
  rawHeaders: readonly string[],
  connection: string | undefined,
  added: Record<string, string>,
  keep?: (lowerName: string) => boolean,
): string[] {
  const listed = connectionListed(connection);
  const out: string[] = [];
  for (const [name, value] of Object.entries(added)) out.push(name, value);
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || SIDECAR_OWNED.has(lower) || listed?.has(lower) || (keep && !keep(lower))) continue;
    out.push(name, rawHeaders[i + 1] as string);
  }
  return out;
}

/**
 * Response headers for the peer, less hop-by-hop fields, straight from undici's raw [name, value, ...] Buffers to the flat list
 * res.writeHead takes: no header object built and taken apart again per response, and
 * repeated fields (Set-Cookie) stay separate lines in their order.
 */
export function downstreamRawHeaders(raw: readonly Buffer[]): string[] {
  let listed: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as Buffer).length === 10 && (raw[i] as Buffer).toString('latin1').toLowerCase() === 'connection') {
      listed ??= new Set();
      for (const name of connectionListed((raw[i + 1] as Buffer).toString('latin1')) ?? []) listed.add(name);
    }
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1');
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed?.has(lower)) continue;
    out.push(name, (raw[i + 1] as Buffer).toString('latin1'));
  }
  return out;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keep the caller's request id when it is well formed, so traces join up across services. */
export function requestIdFrom(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : undefined;
}
