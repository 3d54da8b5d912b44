// The token sources of an egress listener's upstreams: built with the egress state, carried
// over a reload when an upstream's token settings and certificate did not change (its token
// too), closed when the upstream leaves or changes.
import type { EgressUpstreamConfig } from '../config/schema.js';
import type { UpstreamTlsMaterial } from '../tls/upstream-material.js';
import { EgressTokenSource, type TokenSourceEvents, type TokenSourceSettings } from './source.js';

export function tokenSettings(upstream: EgressUpstreamConfig, material: UpstreamTlsMaterial, ca: string | undefined): TokenSourceSettings | undefined {
  if (!upstream.token) return undefined;
  const options = material.connectOptions;
  return { config: upstream.token, cert: options.cert as string | Buffer, key: options.key as string | Buffer, ca: ca ?? (options.ca as string | Buffer), clientId: material.clientUri };
}

/**
 * The source for an upstream: the previous one when its settings are the same, else a new one,
 * not started yet (a state is built before it is swapped in; start() comes after the swap).
 */
export function tokenSourceFor(settings: TokenSourceSettings | undefined, previous: EgressTokenSource | undefined, events: TokenSourceEvents): EgressTokenSource | undefined {
  if (!settings) return undefined;
  if (previous && EgressTokenSource.settingsKey(previous.settings) === EgressTokenSource.settingsKey(settings)) return previous;
  return new EgressTokenSource(settings, events);
}

/** Sources of `previous` that `next` no longer uses. */
export function retiredTokenSources(previous: Iterable<{ token?: EgressTokenSource }>, next: Iterable<{ token?: EgressTokenSource }>): EgressTokenSource[] {
  const kept = new Set([...next].map((upstream) => upstream.token));
  return [...previous].map((upstream) => upstream.token).filter((source): source is EgressTokenSource => source !== undefined && !kept.has(source));
}

/**
 * An egress state with a token source on every upstream that has `token`. `previous` is the
 * running state (reload), whose sources carry over when nothing they depend on changed.
 */
export function withTokenSources<S extends { config: { name: string }; upstreams: ReadonlyMap<string, U> }, U extends { config: EgressUpstreamConfig; material: UpstreamTlsMaterial; token?: EgressTokenSource }>(
  state: S,
  cas: ReadonlyMap<string, string>,
  previous: S | undefined,
  events: (upstream: string) => TokenSourceEvents,
): S {
  if (![...state.upstreams.values()].some((upstream) => upstream.config.token)) return state;
  const upstreams = new Map<string, U>();
  for (const [name, upstream] of state.upstreams) {
    const settings = tokenSettings(upstream.config, upstream.material, cas.get(`${state.config.name}/${name}`));
    const token = tokenSourceFor(settings, previous?.upstreams.get(name)?.token, events(name));
    upstreams.set(name, token ? { ...upstream, token } : upstream);
  }
  return { ...state, upstreams };
}
