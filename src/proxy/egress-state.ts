// Everything an egress listener serves from, built from config and swapped whole on reload
// (build, then swap: src/proxy/listener-state.ts builds every state before any is swapped).
import { egressMaterialKey } from '../config/load-egress.js';
import type { EgressConfig, EgressUpstreamConfig } from '../config/schema.js';
import type { UpstreamTlsMaterial } from '../tls/upstream-material.js';
import { createEgressPool, sameEgressUpstream, type ConnectReport } from './egress-pool.js';
import { compileEgressRoutes, type EgressRoutes } from './egress-routing.js';
import type { Pool } from 'undici';
import type { EgressSigner } from './egress-signing.js';
import { Admission } from './admission.js';
import type { InPathDrills } from '../drills/in-path.js';
import type { EgressTokenSource } from '../egress-tokens/source.js';

export interface EgressUpstreamState {
  readonly config: EgressUpstreamConfig;
  readonly material: UpstreamTlsMaterial;
  readonly pool: Pool;
  /** Bounded queue in front of `pool`; replaced with it. */
  readonly admission: Admission;
  /** The upstream's access token, when it has `token` (src/egress-tokens/). */
  readonly token?: EgressTokenSource;
}

export interface EgressState {
  readonly config: EgressConfig;
  readonly routes: EgressRoutes;
  readonly upstreams: ReadonlyMap<string, EgressUpstreamState>;
  /** Signs every outbound request (RFC 9421), when the listener has `signing`. */
  readonly signer?: EgressSigner;
  /** In-path drills (staging only), when the listener has `drills`. */
  readonly drills?: InPathDrills;
}

/**
 * Build a listener's state. An upstream whose config and files did not change keeps its pool
 * (and its warm, already verified connections); any other gets a new pool.
 */
export function buildEgressState(
  config: EgressConfig,
  materials: ReadonlyMap<string, UpstreamTlsMaterial>,
  previous: EgressState | undefined,
  onConnect: (upstream: string, report: ConnectReport) => void,
): EgressState {
  const upstreams = new Map<string, EgressUpstreamState>();
  for (const upstream of config.upstreams) {
    const material = materials.get(egressMaterialKey(config.name, upstream.name));
    if (!material) throw new Error(`egress ${config.name}: TLS material for upstream ${upstream.name} is missing`);
    const old = previous?.upstreams.get(upstream.name);
    const keep = old && sameEgressUpstream(old, { config: upstream, material });
    const pool = keep
      ? old.pool
      : createEgressPool(upstream, material, (report) => onConnect(upstream.name, report));
    // One client (the app): no per-identity share, only the pool and its bounded queue.
    const admission = keep ? old.admission : new Admission({ ...upstream, maxRequestsPerIdentity: Number.MAX_SAFE_INTEGER });
    upstreams.set(upstream.name, { config: upstream, material, pool, admission });
  }
  return { config, routes: compileEgressRoutes(config.upstreams), upstreams };
}

/** Pools of `previous` that `next` no longer uses: close them once their requests finish. */
export function retiredPools(previous: EgressState, next: EgressState): Pool[] {
  const kept = new Set([...next.upstreams.values()].map((upstream) => upstream.pool));
  return [...previous.upstreams.values()].map((upstream) => upstream.pool).filter((pool) => !kept.has(pool));
}
