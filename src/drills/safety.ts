// The checks between a valid drill file and the first packet: every target must be on the
// allow list (its address resolved once, here, and used for the connection), and the plan
// must fit the attempt budget. Anything refused is refused before a socket is opened.
import { AllowList, type Resolver } from './allow-list.js';
import type { LoadedClientTarget, LoadedDrill, LoadedServerTarget } from './load.js';

export interface CheckedTargets {
  readonly clients: ReadonlyArray<{ readonly target: LoadedClientTarget; readonly address: string }>;
  readonly servers: ReadonlyArray<{ readonly target: LoadedServerTarget; readonly address: string }>;
}

/** Attempts the run will make: one baseline plus one per scenario, per target. */
export function plannedAttempts(drill: LoadedDrill): number {
  return [...drill.clients, ...drill.servers].reduce((sum, target) => sum + 1 + target.scenarios.length, 0);
}

export async function checkTargets(drill: LoadedDrill, resolver?: Resolver): Promise<{ ok: true; value: CheckedTargets } | { ok: false; errors: string[] }> {
  const allow = new AllowList(drill.file.allow, resolver);
  const errors: string[] = [];
  const clients: Array<{ target: LoadedClientTarget; address: string }> = [];
  const servers: Array<{ target: LoadedServerTarget; address: string }> = [];
  for (const [index, target] of drill.clients.entries()) {
    const decision = await allow.check(target.config.listen.address);
    if (decision.ok) clients.push({ target, address: decision.address });
    else errors.push(`clients[${index}].listen.address: not allowed: ${decision.problem} (allow: ${drill.file.allow.join(', ')})`);
  }
  for (const [index, target] of drill.servers.entries()) {
    const host = new URL(target.config.url).hostname;
    const decision = await allow.check(host);
    if (decision.ok) servers.push({ target, address: decision.address });
    else errors.push(`servers[${index}].url: not allowed: ${decision.problem} (allow: ${drill.file.allow.join(', ')})`);
  }
  const planned = plannedAttempts(drill);
  if (planned > drill.file.limits.maxAttempts) {
    errors.push(`limits.maxAttempts: the plan needs ${planned} attempts (baselines included) and the limit is ${drill.file.limits.maxAttempts}`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { clients, servers } };
}
