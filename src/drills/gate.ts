// The staging gate for a sidecar config with in-path drills: the config must say
// `environment: staging` and the process must see PALISADE_ENVIRONMENT=staging, the same two
// conditions `palisade drill` requires of a drill file.
import { stagingProblems } from './load.js';

/** What the gate reads of a loaded sidecar config (config/schema.ts). */
export interface ListenersWithDrills {
  readonly inbound: readonly { readonly drills?: unknown }[];
  readonly egress: readonly { readonly drills?: unknown }[];
}

export function hasInPathDrills(config: ListenersWithDrills): boolean {
  return config.inbound.some((listener) => listener.drills !== undefined) || config.egress.some((listener) => listener.drills !== undefined);
}

/** Why this config may not run its drills here; empty when it has none or may. */
export function inPathDrillGate(config: ListenersWithDrills, env: NodeJS.ProcessEnv): string[] {
  if (!hasInPathDrills(config)) return [];
  return stagingProblems(config, env).map((problem) => problem.replace('the drill file does not say', 'the config has `drills:` but does not say').replace('the drill file says', 'the config has `drills:` and says'));
}
