import { describe, expect, it } from 'vitest';
import { AllowList, parseAllowEntry, type Resolver } from '../../../src/drills/allow-list.js';

const dns = (table: Record<string, string[]>): Resolver => async (host) => {
  const addresses = table[host];
  if (!addresses) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('allow list', () => {
  it('parses host names, IPs and CIDRs, and names what is wrong', () => {
    expect(parseAllowEntry('10.0.0.0/8')).toEqual({ ok: true, value: { kind: 'cidr', address: '10.0.0.0', prefix: 8, family: 'ipv4' } });
    expect(parseAllowEntry('127.0.0.1')).toEqual({ ok: true, value: { kind: 'cidr', address: '127.0.0.1', prefix: 32, family: 'ipv4' } });
    expect(parseAllowEntry('fd00::/8')).toMatchObject({ ok: true, value: { family: 'ipv6', prefix: 8 } });
    expect(parseAllowEntry('orders.staging.internal')).toEqual({ ok: true, value: { kind: 'host', name: 'orders.staging.internal' } });
    expect(parseAllowEntry('10.0.0.0/33')).toMatchObject({ ok: false, problem: expect.stringContaining('0-32') });
    expect(parseAllowEntry('orders/8')).toMatchObject({ ok: false });
    expect(parseAllowEntry('Orders.Example')).toMatchObject({ ok: false });
    expect(parseAllowEntry('*.staging')).toMatchObject({ ok: false });
  });

  it('allows IPs inside a CIDR only, IPv4-mapped IPv6 as its IPv4', async () => {
    const allow = new AllowList(['10.1.0.0/16', 'fd00::/8'], dns({}));
    expect(await allow.check('10.1.2.3')).toEqual({ ok: true, address: '10.1.2.3', family: 4 });
    expect(await allow.check('10.2.0.1')).toMatchObject({ ok: false, problem: '10.2.0.1 is not in any allowed CIDR' });
    expect(await allow.check('::ffff:10.1.2.3')).toMatchObject({ ok: true });
    expect(await allow.check('::ffff:10.9.2.3')).toMatchObject({ ok: false });
    expect(await allow.check('[fd00::1]')).toMatchObject({ ok: true, address: 'fd00::1' });
  });

  it('allows a listed host name, and an unlisted one only when every address is inside a CIDR', async () => {
    const allow = new AllowList(['orders.staging', '10.1.0.0/16'], dns({ 'orders.staging': ['192.0.2.7'], 'api.staging': ['10.1.0.5', '10.1.0.6'], 'split.staging': ['10.1.0.5', '203.0.113.9'] }));
    expect(await allow.check('orders.staging')).toEqual({ ok: true, address: '192.0.2.7', family: 4 });
    expect(await allow.check('ORDERS.staging.')).toMatchObject({ ok: true });
    expect(await allow.check('api.staging')).toEqual({ ok: true, address: '10.1.0.5', family: 4 });
    // One address outside is enough to refuse: DNS round-robin must not reach production.
    expect(await allow.check('split.staging')).toMatchObject({ ok: false, problem: expect.stringContaining('203.0.113.9') });
    expect(await allow.check('missing.staging')).toMatchObject({ ok: false, problem: 'missing.staging does not resolve (ENOTFOUND)' });
  });
});
