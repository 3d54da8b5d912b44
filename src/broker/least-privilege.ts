// --check-least-privilege: compare each grant with what its audience's routes can ever require.
// Given an audience's Palisade config, a grant that covers one of the audiences an inbound
// listener accepts from this broker (same issuer) should hold no scope that no route its
// identity may call requires. Findings are reported at broker start; nothing is changed.
import { ConfigSchema } from '../config/schema.js';
import { compileIdentityPattern as compileIdentity, matchIdentity, type IdentityPattern } from '../core/identity-pattern.js';
import { parseSpiffeId } from '../core/spiffe.js';
import { readYamlFile } from './config.js';
import type { Grant } from './grants.js';

export interface LeastPrivilegeFinding {
  readonly grant: string;
  readonly excess: readonly string[];
}

/** A grant identity may reach a route when the route allows anyone, names the same pattern, or (for an exact grant identity) matches it. */
function mayReach(route: IdentityPattern, grant: IdentityPattern): boolean {
  if (route.kind === 'any' || route.source === grant.source) return true;
  if (grant.kind === 'spiffe' && !grant.rest && !grant.segments.includes('*')) {
    const parsed = parseSpiffeId(grant.source);
    if (parsed.ok) return matchIdentity(route, { kind: 'spiffe', value: parsed.value.id, spiffe: parsed.value });
  }
  return false;
}

export function grantFindings(grants: readonly Grant[], issuer: string, config: unknown): LeastPrivilegeFinding[] {
  const parsed = ConfigSchema.safeParse(config);
  if (!parsed.success) throw new Error(`not a valid Palisade config: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const findings: LeastPrivilegeFinding[] = [];
  for (const grant of grants) {
    let covered = false;
    const needed = new Set<string>();
    for (const listener of parsed.data.inbound) {
      const audiences = (listener.tokens?.issuers ?? []).filter((entry) => entry.issuer === issuer).flatMap((entry) => entry.audiences);
      if (!grant.audiences.some((audience) => audiences.includes(audience))) continue;
      covered = true;
      for (const route of listener.routes) {
        if (route.token === false) continue;
        if (!route.allow.some((text) => mayReach(compileIdentity(text), grant.identity))) continue;
        for (const scope of [...(route.scopes?.allOf ?? []), ...(route.scopes?.anyOf ?? [])]) needed.add(scope);
      }
    }
    if (!covered) continue;
    const excess = [...grant.scopes].filter((scope) => !needed.has(scope));
    if (excess.length > 0) findings.push({ grant: grant.name, excess });
  }
  return findings;
}

export function checkGrantsAgainst(grants: readonly Grant[], issuer: string, file: string): { findings: LeastPrivilegeFinding[]; errors: string[] } {
  const read = readYamlFile(file);
  if (!read.ok) return { findings: [], errors: [read.error] };
  try {
    return { findings: grantFindings(grants, issuer, read.value), errors: [] };
  } catch (error) {
    return { findings: [], errors: [`${file}: ${(error as Error).message}`] };
  }
}
