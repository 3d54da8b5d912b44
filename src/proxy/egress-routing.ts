// Which upstream an egress request is for. The app addresses an upstream by name, the way it
// would address the real service, and the egress listener (like Envoy's egress listeners) picks
// the upstream from the request's authority:
//
//   - origin-form (`GET /orders/7`, `Host: orders`): the Host header;
//   - absolute-form (`GET http://orders/orders/7`, what an HTTP_PROXY client sends): the URL's
//     authority, which RFC 9112 §3.2.2 says overrides Host.
//
// An authority selects the upstream whose `url` host (`orders.internal:8443`) equals it, else the
// one whose `name` equals it without its port (`orders`, `orders:80`). Case-insensitive.
import type { EgressUpstreamConfig } from '../config/schema.js';

export type EgressTarget =
  | { readonly ok: true; readonly upstream: string; readonly path: string }
  | { readonly ok: false; readonly reason: 'upstream_not_configured' | 'malformed_request'; readonly detail: string };

/** authority → upstream name, built once per config. */
export type EgressRoutes = ReadonlyMap<string, string>;

export function compileEgressRoutes(upstreams: readonly EgressUpstreamConfig[]): EgressRoutes {
  const routes = new Map<string, string>();
  for (const upstream of upstreams) {
    routes.set(new URL(upstream.url).host.toLowerCase(), upstream.name);
    routes.set(upstream.name, upstream.name);
  }
  return routes;
}

function stripPort(authority: string): string {
  if (authority.startsWith('[')) return authority.slice(0, authority.indexOf(']') + 1);
  const colon = authority.lastIndexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}

export function resolveEgressTarget(target: string, host: string | undefined, routes: EgressRoutes): EgressTarget {
  let authority: string | undefined;
  let path: string;
  if (target.startsWith('/')) {
    authority = host;
    path = target;
  } else if (/^http:\/\//i.test(target)) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return { ok: false, reason: 'malformed_request', detail: 'absolute-form target does not parse' };
    }
    authority = url.host;
    path = `${url.pathname}${url.search}`;
  } else {
    // CONNECT tunnels and https:// targets would let the app bypass origination: not supported.
    return { ok: false, reason: 'malformed_request', detail: 'request target must be origin-form or an http:// absolute-form URL' };
  }
  if (!authority) return { ok: false, reason: 'upstream_not_configured', detail: 'no Host header' };
  const key = authority.toLowerCase();
  const upstream = routes.get(key) ?? routes.get(stripPort(key));
  if (upstream === undefined) return { ok: false, reason: 'upstream_not_configured', detail: `no upstream for authority ${JSON.stringify(key.slice(0, 255))}` };
  return { ok: true, upstream, path };
}
