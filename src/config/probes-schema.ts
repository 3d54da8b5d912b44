// The `probes:` section (periodic TLS probes run by the sidecar) and `egress[].upstreams[].probe`.
// Kept beside schema.ts so the main schema only gains two keys.
import { z } from 'zod';
import { parseDuration } from '../core/duration.js';
import { parseTarget } from '../probe/target.js';
import { CHECKS } from '../probe/types.js';
import { parseSpiffeId } from '../core/spiffe.js';

const Name = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: 'must be lowercase letters, digits, "-" or "_" (max 63)' });
const FilePath = z.string().min(1, { error: 'must be a file path' });

/** Probing costs the target dozens of handshakes: not more often than every 10 s. */
const IntervalMs = z.number({ error: 'intervalMs must be a number of milliseconds' }).int().min(10_000, { error: 'must be at least 10000 (10 s)' });
const TimeoutMs = z.number({ error: 'timeoutMs must be a number of milliseconds' }).int().min(100).max(60_000);
const Checks = z.array(z.enum(CHECKS)).min(1, { error: `needs at least one of ${CHECKS.join(', ')}` });

export const DEFAULT_PROBE_INTERVAL_MS = 300_000;
export const DEFAULT_PROBE_TIMEOUT_MS = 5_000;

export const ProbeTargetSchema = z
  .strictObject({
    /** The metric label `target` and the key in GET /probes. */
    name: Name,
    target: z.string().superRefine((value, ctx) => {
      try {
        parseTarget(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
    servername: z.string().regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, { error: 'must be a DNS name' }).optional(),
    ca: FilePath.optional(),
    cert: FilePath.optional(),
    key: FilePath.optional(),
    expectIdentity: z
      .string()
      .superRefine((value, ctx) => {
        if (value.startsWith('dns:')) {
          if (value.length <= 4) ctx.addIssue({ code: 'custom', message: 'dns: needs a name' });
          return;
        }
        const parsed = parseSpiffeId(value);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `must be a SPIFFE ID or dns:NAME: ${parsed.problem}` });
      })
      .optional(),
    maxLifetime: z
      .string()
      .superRefine((value, ctx) => {
        try {
          parseDuration(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      })
      .optional(),
    intervalMs: IntervalMs.default(DEFAULT_PROBE_INTERVAL_MS),
    timeoutMs: TimeoutMs.default(DEFAULT_PROBE_TIMEOUT_MS),
    checks: Checks.default([...CHECKS]),
  })
  .superRefine((probe, ctx) => {
    if (Boolean(probe.cert) !== Boolean(probe.key)) ctx.addIssue({ code: 'custom', path: [probe.cert ? 'key' : 'cert'], message: 'cert and key go together' });
  });

/** `egress[].upstreams[].probe`: the upstream's own TLS settings are the probe's. */
export const UpstreamProbeSchema = z.strictObject({
  intervalMs: IntervalMs.default(DEFAULT_PROBE_INTERVAL_MS),
  timeoutMs: TimeoutMs.default(DEFAULT_PROBE_TIMEOUT_MS),
  checks: Checks.default([...CHECKS]),
});

export type ProbeTargetConfig = z.output<typeof ProbeTargetSchema>;

/** Names are unique: they are metric labels and /probes keys. */
export function probeConfigIssues(probes: readonly ProbeTargetConfig[], addIssue: (path: PropertyKey[], message: string) => void): void {
  const names = new Set<string>();
  probes.forEach((probe, index) => {
    if (names.has(probe.name)) addIssue(['probes', index, 'name'], `duplicate probe name "${probe.name}"`);
    names.add(probe.name);
  });
}
