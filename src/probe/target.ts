// HOST:PORT as an operator types it: a name, an IPv4 address, or an IPv6 address in brackets.
import { isIP } from 'node:net';

export interface ParsedTarget {
  readonly host: string;
  readonly port: number;
  readonly isName: boolean;
}

export function parseTarget(text: string): ParsedTarget {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  const plain = /^([^:[\]]+):(\d+)$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) throw new Error(`target "${text}" must be HOST:PORT (an IPv6 address in brackets: [::1]:8443)`);
  const host = match[1] as string;
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`target "${text}": port must be 1-65535`);
  if (bracketed && isIP(host) !== 6) throw new Error(`target "${text}": only an IPv6 address goes in brackets`);
  if (!bracketed && isIP(host) === 0 && !/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(host)) {
    throw new Error(`target "${text}": "${host}" is not a host name or IP address`);
  }
  return { host, port, isName: isIP(host) === 0 };
}
