// The periodic probes a config asks for: every `probes:` entry, and every egress upstream with a
// `probe:` key, probed with that upstream's own trust bundle, client certificate (the baseline)
// and pinned identity. Files are read when the probe runs, so a rotated certificate is used at once.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration } from '../core/duration.js';
import type { Config } from './schema.js';
import type { ScheduledProbe } from '../probe/scheduler.js';
import { parseTarget } from '../probe/target.js';
import type { CheckName, ProbeTarget } from '../probe/types.js';

function reader(baseDir: string): (file: string | undefined) => string | undefined {
  return (file) => (file === undefined ? undefined : readFileSync(resolve(baseDir, file), 'utf8'));
}

function endpoint(text: string, servername: string | undefined): Pick<ProbeTarget, 'label' | 'host' | 'port' | 'servername' | 'nameToMatch'> {
  const parsed = parseTarget(text);
  const sni = servername ?? (parsed.isName ? parsed.host : undefined);
  return { label: text, host: parsed.host, port: parsed.port, ...(sni ? { servername: sni } : {}), nameToMatch: sni ?? parsed.host };
}

export function configuredProbes(config: Config, baseDir: string): ScheduledProbe[] {
  const read = reader(baseDir);
  const out: ScheduledProbe[] = config.probes.map((probe) => ({
    name: probe.name,
    intervalMs: probe.intervalMs,
    timeoutMs: probe.timeoutMs,
    checks: new Set<CheckName>(probe.checks),
    build: (): ProbeTarget => ({
      ...endpoint(probe.target, probe.servername),
      ...(probe.ca ? { ca: read(probe.ca) } : {}),
      ...(probe.cert && probe.key ? { cert: read(probe.cert), key: read(probe.key) } : {}),
      ...(probe.expectIdentity ? { expectIdentity: probe.expectIdentity } : {}),
      ...(probe.maxLifetime ? { maxLifetimeMs: parseDuration(probe.maxLifetime) } : {}),
    }),
  }));
  for (const listener of config.egress) {
    for (const upstream of listener.upstreams) {
      if (!upstream.probe) continue;
      const url = new URL(upstream.url);
      // URL keeps an IPv6 host in brackets, which is how parseTarget wants it.
      const host = url.hostname;
      const port = url.port || '443';
      const identity = upstream.identity.spiffeId ?? (upstream.identity.dnsName ? `dns:${upstream.identity.dnsName}` : undefined);
      const probe = upstream.probe;
      out.push({
        // Listener and upstream names cannot hold "/", so this never collides with a `probes:` name.
        name: `${listener.name}/${upstream.name}`,
        intervalMs: probe.intervalMs,
        timeoutMs: probe.timeoutMs,
        checks: new Set<CheckName>(probe.checks),
        build: (): ProbeTarget => ({
          ...endpoint(`${host}:${port}`, upstream.tls.serverName),
          ca: read(upstream.tls.ca),
          cert: read(upstream.tls.cert),
          key: read(upstream.tls.key),
          ...(identity ? { expectIdentity: identity } : {}),
          ...(upstream.tls.peer.maxLifetime ? { maxLifetimeMs: upstream.tls.peer.maxLifetime.ms } : {}),
        }),
      });
    }
  }
  return out;
}
