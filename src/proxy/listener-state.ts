// The one place a listener's state is built, for both directions: every inbound and egress
// listener of a loaded config, from the config and the state each runs now.
//
// Reload is build, then swap. `buildListenerStates` returns the complete new state of every
// listener, or every error, and touches nothing live: it does not start a fetch, a timer or a
// token source, and it does not resize anything a running state uses (what a check carries over
// is shared, so changing it early would change the running listener). New pools are created but
// unused. The caller then swaps (one assignment per listener) and calls `activateListenerStates`,
// which starts what the new states need and releases what the old ones held that the new ones
// do not keep. A build that is not swapped in is handed to `discardListenerStates`, which
// closes everything it created and nothing it shares with the running states.
//
// Why hooks instead of starting in the constructors: a reload fails as a whole (the last
// listener's files may be the bad ones), and by then the first listeners' states exist. If
// building them had started a JWKS fetch or resized a replay cache, the "failed, nothing
// changed" reload would have changed things.
import type { LoadedConfig } from '../config/load.js';
import type { InboundConfig } from '../config/schema.js';
import type { InPathDrillsConfig } from '../drills/in-path-schema.js';
import { ChainState } from '../pipeline/chain-state.js';
import { compileListenerPolicy } from '../pipeline/routes.js';
import type { ListenerPolicy } from '../checks/types.js';
import type { Recorder } from '../telemetry/recorder.js';
import type { ListenerTlsMaterial } from '../tls/material.js';
import { InPathDrills } from '../drills/in-path.js';
import { withTokenSources } from '../egress-tokens/state.js';
import type { Pool } from 'undici';
import { Admission } from './admission.js';
import { buildEgressState, type EgressState } from './egress-state.js';
import { EgressSigner } from './egress-signing.js';
import { createUpstreamPool, sameUpstream } from './upstream.js';

/** Everything an inbound listener serves from; swapped whole on reload. */
export interface ListenerState {
  readonly config: InboundConfig;
  readonly policy: ListenerPolicy;
  /** The chain as this listener runs it: each check with the state it prepared. */
  readonly chain: ChainState;
  readonly material: ListenerTlsMaterial;
  readonly pool: Pool;
  /** Who may use `pool` now (bounded queue, per-identity share); replaced with the pool. */
  readonly admission: Admission;
  /** In-path drills (staging only), when the listener has `drills`. */
  readonly drills?: InPathDrills;
}

/** What a state reports while it serves (upstream handshakes, drills, egress tokens). */
export type StateEvents = Pick<Recorder, 'drill' | 'upstreamHandshake' | 'egressTokenEvents'>;

export interface ListenerStates {
  readonly inbound: ReadonlyMap<string, ListenerState>;
  readonly egress: ReadonlyMap<string, EgressState>;
}

export type BuildResult = { readonly ok: true; readonly states: ListenerStates } | { readonly ok: false; readonly errors: string[] };

const NONE: ListenerStates = { inbound: new Map(), egress: new Map() };

function inboundState(config: InboundConfig, loaded: LoadedConfig, previous: ListenerState | undefined, events: StateEvents): ListenerState {
  const material = loaded.tls.get(config.name);
  if (!material) throw new Error(`TLS material for listener ${config.name} is missing`);
  const chain = ChainState.prepare({ listener: config, loaded }, previous?.chain);
  const keepPool = previous && sameUpstream(previous.config.upstream, config.upstream);
  return {
    config,
    policy: compileListenerPolicy(config, loaded.config.mode),
    chain,
    material,
    pool: keepPool ? previous.pool : createUpstreamPool(config.upstream),
    // Admission guards the pool: a new pool starts with empty counts.
    admission: keepPool ? previous.admission : new Admission(config.upstream),
    ...(config.drills ? { drills: drills(config.drills, config.name, events) } : {}),
  };
}

function drills(config: InPathDrillsConfig, listener: string, events: StateEvents): InPathDrills {
  return new InPathDrills(config, listener, (record) => events.drill(record));
}

function egressState(index: number, loaded: LoadedConfig, previous: EgressState | undefined, events: StateEvents): EgressState {
  const config = loaded.config.egress[index]!;
  let state = buildEgressState(config, loaded.egressTls, previous, (upstream, report) => events.upstreamHandshake(config.name, upstream, report.version, report.result, report.reason, report.detail));
  // The request signer is rebuilt on every reload, so the key rotates.
  const key = loaded.signatures.egress.get(config.name);
  if (config.signing && key) state = { ...state, signer: new EgressSigner(config.signing, key) };
  state = withTokenSources(state, loaded.egressTokenCas, previous, (upstream) => events.egressTokenEvents(upstream));
  return config.drills ? { ...state, drills: drills(config.drills, config.name, events) } : state;
}

/**
 * The new state of every listener in `loaded`, each built from the one running under its name
 * (none at start). Side-effect free (see the top of this file); on any error, what was built
 * is discarded and every error is returned, each naming its listener.
 */
export function buildListenerStates(loaded: LoadedConfig, running: ListenerStates = NONE, events: StateEvents): BuildResult {
  const inbound = new Map<string, ListenerState>();
  const egress = new Map<string, EgressState>();
  const errors: string[] = [];
  loaded.config.inbound.forEach((config, index) => {
    try {
      inbound.set(config.name, inboundState(config, loaded, running.inbound.get(config.name), events));
    } catch (error) {
      errors.push(`inbound[${index}] (${config.name}): ${(error as Error).message}`);
    }
  });
  loaded.config.egress.forEach((config, index) => {
    try {
      egress.set(config.name, egressState(index, loaded, running.egress.get(config.name), events));
    } catch (error) {
      errors.push(`egress[${index}] (${config.name}): ${(error as Error).message}`);
    }
  });
  if (errors.length === 0) return { ok: true, states: { inbound, egress } };
  discardListenerStates({ inbound, egress }, running);
  return { ok: false, errors };
}

/** A build that will never serve: close what it created, keep what it shares with `running`. */
export function discardListenerStates(built: ListenerStates, running: ListenerStates = NONE): void {
  for (const [name, state] of built.inbound) {
    const live = running.inbound.get(name);
    state.chain.release(live?.chain);
    if (state.pool !== live?.pool) void state.pool.close().catch(() => undefined);
  }
  for (const [name, state] of built.egress) {
    const live = running.egress.get(name);
    for (const [upstream, built] of state.upstreams) {
      const kept = live?.upstreams.get(upstream);
      if (built.pool !== kept?.pool) void built.pool.close().catch(() => undefined);
      if (built.token && built.token !== kept?.token) built.token.close();
    }
  }
}

/**
 * Right after the swap: start what the new states need (JWKS fetches, remote denylists, egress
 * token sources; anything carried over goes on as it was) and let the checks' old states close
 * what the new ones do not keep. Pools and token sources the new states no longer use are closed
 * by the listeners' update(), once their requests finish.
 */
export function activateListenerStates(next: ListenerStates, previous: ListenerStates = NONE): void {
  for (const [name, state] of next.inbound) {
    state.chain.activate();
    previous.inbound.get(name)?.chain.release(state.chain);
  }
  for (const state of next.egress.values()) {
    for (const upstream of state.upstreams.values()) upstream.token?.start();
  }
}

/** At shutdown: what the states' checks hold (timers of remote lists). Pools close with their listener. */
export function releaseListenerStates(states: ListenerStates): void {
  for (const state of states.inbound.values()) state.chain.release(undefined);
}
