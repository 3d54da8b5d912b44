// A listener's token policy as the checks use it: the verifier, the jti denylist, each route's
// token rule, and the scopes each identity can ever need (for least privilege). Built on load
// and on every reload, swapped whole with the listener state.
import type { InboundConfig } from '../config/schema.js';
import type { TokenPolicyConfig } from '../config/tokens-schema.js';
import { compileIdentityPattern, matchIdentity, type IdentityPattern } from '../tls/identity-pattern.js';
import type { PeerIdentity } from '../tls/peer-identity.js';
import { LruCache } from '../tls/lru.js';
import type { TokenMaterial } from './material.js';
import { TokenVerifier } from './verifier.js';
import { Denylist, type RemoteDenylists } from './remote-denylist.js';

export interface RouteTokenRule {
  /** The route needs a verified token. */
  readonly required: boolean;
  readonly allOf?: readonly string[];
  readonly anyOf?: readonly string[];
}

interface RouteReach {
  readonly allow: readonly IdentityPattern[];
  readonly scopes: readonly string[];
}

export class TokenRuntime {
  readonly verifier: TokenVerifier;
  /** The jti denylist file and, when configured, the broker's remote list. */
  readonly denylist: Denylist;
  readonly routes: ReadonlyMap<string, RouteTokenRule>;
  readonly subjectMap: ReadonlyMap<string, IdentityPattern>;
  private readonly reach: readonly RouteReach[];
  /** Needed scopes per identity: computed once per identity, bounded. */
  private readonly needed = new LruCache<string, ReadonlySet<string>>(4096);

  constructor(
    readonly listener: string,
    readonly policy: TokenPolicyConfig,
    config: InboundConfig,
    material: TokenMaterial,
    previous: TokenRuntime | undefined,
    denylists?: RemoteDenylists,
  ) {
    this.verifier = new TokenVerifier(policy, material, previous?.verifier.remoteStores());
    const remote = policy.denylist && 'remote' in policy.denylist ? policy.denylist.remote : undefined;
    if (remote && (!denylists || material.denylistRemoteCa === undefined)) throw new Error(`listener ${listener}: a remote denylist needs its trust bundle and the sidecar's registry`);
    this.denylist = new Denylist(material.denylist, remote && denylists ? denylists.acquire(remote, material.denylistRemoteCa as string) : undefined);
    const routes = new Map<string, RouteTokenRule>();
    const reach: RouteReach[] = [];
    for (const route of config.routes) {
      const required = route.token ?? true;
      routes.set(route.name, { required, ...(route.scopes?.allOf ? { allOf: route.scopes.allOf } : {}), ...(route.scopes?.anyOf ? { anyOf: route.scopes.anyOf } : {}) });
      if (required) reach.push({ allow: route.allow.map(compileIdentityPattern), scopes: [...(route.scopes?.allOf ?? []), ...(route.scopes?.anyOf ?? [])] });
    }
    this.routes = routes;
    this.reach = reach;
    this.subjectMap = new Map(Object.entries(policy.subject.map).map(([claim, pattern]) => [claim, compileIdentityPattern(pattern)]));
  }

  /** Every scope a route this identity may call can ever require (any-of scopes count: each may be the one used). */
  neededScopes(identity: PeerIdentity): ReadonlySet<string> {
    const key = `${identity.kind}:${identity.value}`;
    const cached = this.needed.get(key);
    if (cached) return cached;
    const scopes = new Set<string>();
    for (const route of this.reach) {
      if (route.allow.some((pattern) => matchIdentity(pattern, identity))) for (const scope of route.scopes) scopes.add(scope);
    }
    this.needed.set(key, scopes);
    return scopes;
  }
}

export function buildTokenRuntime(config: InboundConfig, material: TokenMaterial | undefined, previous: TokenRuntime | undefined, denylists?: RemoteDenylists): TokenRuntime | undefined {
  if (!config.tokens) return undefined;
  // load.ts fails the load when a listener's token files do not load, so material is present here.
  return new TokenRuntime(config.name, config.tokens, config, material ?? { issuers: new Map(), denylist: new Set() }, previous, denylists);
}
