// The drill file's `allow:` list: host names and CIDRs a drill may touch. Checked for every
// target before a single packet is sent; the address a name resolved to is the one used, so
// a DNS answer cannot change between the check and the connection.
//
// A host-name entry trusts DNS for that name. A CIDR entry constrains addresses: a name that
// is not listed is allowed only when every address it resolves to is inside an allowed CIDR.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export type AllowEntry = { kind: 'cidr'; address: string; prefix: number; family: 'ipv4' | 'ipv6' } | { kind: 'host'; name: string };

export function parseAllowEntry(text: string): { ok: true; value: AllowEntry } | { ok: false; problem: string } {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const family = isIP(address);
  if (family !== 0) {
    const max = family === 4 ? 32 : 128;
    const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return { ok: false, problem: `"${text}": the prefix length must be 0-${max}` };
    return { ok: true, value: { kind: 'cidr', address, prefix: Number(prefixText), family: family === 4 ? 'ipv4' : 'ipv6' } };
  }
  if (slash !== -1) return { ok: false, problem: `"${text}" is not a CIDR: the part before "/" is not an IP address` };
  if (!/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(text)) {
    return { ok: false, problem: `"${text}" is neither a lower-case host name nor an IP address or CIDR` };
  }
  return { ok: true, value: { kind: 'host', name: text } };
}

export type AllowDecision = { ok: true; address: string; family: 4 | 6 } | { ok: false; problem: string };

export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

export class AllowList {
  private readonly blocks = new BlockList();
  private readonly hosts = new Set<string>();

  constructor(entries: readonly string[], private readonly resolve: Resolver = systemResolver) {
    for (const text of entries) {
      const parsed = parseAllowEntry(text);
      if (!parsed.ok) throw new Error(parsed.problem);
      if (parsed.value.kind === 'host') this.hosts.add(parsed.value.name);
      else this.blocks.addSubnet(parsed.value.address, parsed.value.prefix, parsed.value.family);
    }
  }

  private inCidr(address: string): boolean {
    const family = isIP(address);
    // An IPv4-mapped IPv6 address is checked as the IPv4 address it carries.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return this.blocks.check(mapped[1] as string, 'ipv4');
    return family !== 0 && this.blocks.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** May the drill touch `host`? On yes, the address to connect to (or bind). */
  async check(host: string): Promise<AllowDecision> {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    const family = isIP(bare);
    if (family !== 0) {
      return this.inCidr(bare) ? { ok: true, address: bare, family: family as 4 | 6 } : { ok: false, problem: `${bare} is not in any allowed CIDR` };
    }
    const name = bare.toLowerCase().replace(/\.$/, '');
    let addresses: Array<{ address: string; family: number }>;
    try {
      addresses = await this.resolve(name);
    } catch (error) {
      return { ok: false, problem: `${name} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    const first = addresses[0];
    if (!first) return { ok: false, problem: `${name} resolves to no address` };
    if (this.hosts.has(name)) return { ok: true, address: first.address, family: first.family as 4 | 6 };
    const outside = addresses.filter((entry) => !this.inCidr(entry.address));
    if (outside.length > 0) return { ok: false, problem: `${name} is not an allowed host name and resolves to ${outside.map((entry) => entry.address).join(', ')}, outside every allowed CIDR` };
    return { ok: true, address: first.address, family: first.family as 4 | 6 };
  }
}
