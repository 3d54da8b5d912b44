// The `drills:` section of an inbound or egress listener: in-path MITM drills in a staging
// sidecar. It samples live requests and, after the genuine request's response is done, sends
// the app (inbound) or the upstream (egress) a copy with one forgery. Refused outside staging
// (src/drills/gate.ts): the config must say `environment: staging` and so must the process.
// config/schema.ts embeds this schema; it lives here, beside the scenarios it names, as the drill
// file's own schema lives in drills/config.ts.
import { z } from 'zod';
import { IN_PATH_SCENARIO_NAMES } from './in-path-scenarios.js';

const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: 'must be lowercase letters, digits, "-" or "_" (max 63)' });

export const InPathDrillsSchema = z.strictObject({
  /** Fraction of eligible requests copied, 0 < rate ≤ 1. */
  sampleRate: z.number().gt(0, { error: 'must be greater than 0' }).max(1),
  /** Methods whose requests may be copied; a request with any other method never is. No "*": list them. */
  methods: z.array(z.string().regex(/^[A-Z]+$/, { error: 'must be an upper-case HTTP method such as GET (no "*": list each)' })).min(1),
  /** Inbound: route names; egress: upstream names. Default: all. */
  only: z.array(Name).min(1).optional(),
  /** The forgeries to send for a sampled request (each one is a copy). */
  forgeries: z.array(z.enum(IN_PATH_SCENARIO_NAMES)).min(1).default([...IN_PATH_SCENARIO_NAMES]),
  /** Copies per minute per listener, at most; samples beyond it are skipped. */
  maxPerMinute: z.number().int().min(1).max(600).default(6),
  /** A copy's answer must arrive within this. */
  timeoutMs: z.number().int().positive().max(60_000).default(10_000),
});

export type InPathDrillsConfig = z.output<typeof InPathDrillsSchema>;

/** `only` must name configured routes (inbound) or upstreams (egress). */
export function inPathDrillIssues(drills: InPathDrillsConfig | undefined, names: readonly string[], what: 'route' | 'upstream', path: PropertyKey[], add: (path: PropertyKey[], message: string) => void): void {
  drills?.only?.forEach((name, index) => {
    if (!names.includes(name)) add([...path, 'drills', 'only', index], `no ${what} named "${name}"`);
  });
}
