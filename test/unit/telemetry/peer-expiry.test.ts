import { describe, expect, test } from 'vitest';
import { compileListenerPolicy } from '../../../src/pipeline/routes.js';
import { PeerExpiryTracker, identityLabel } from '../../../src/telemetry/peer-expiry.js';
import type { PeerInfo } from '../../../src/tls/peer-identity.js';
import { parseSpiffeId } from '../../../src/core/spiffe.js';

function peer(id: string, sha256: string, validTo: number): PeerInfo {
  const parsed = parseSpiffeId(id);
  if (!parsed.ok) throw new Error(parsed.problem);
  return { identity: { kind: 'spiffe', value: id, spiffe: parsed.value }, subject: 'CN=x', sans: { uris: [id], dnsNames: [], ipAddresses: [] }, sha256, validTo: new Date(validTo), serialNumber: '01' };
}

const policy = compileListenerPolicy(
  {
    name: 'app',
    paths: { strict: false },
    routes: [
      { name: 'a', methods: ['*'], path: '/a/**', allow: ['spiffe://td/ns/*/sa/api'] },
      { name: 'b', methods: ['*'], path: '/b/**', allow: ['spiffe://td/ns/prod/sa/api', '*'] },
    ],
  } as never,
  'enforce',
);

describe('identityLabel', () => {
  test('an exact allow entry wins over an earlier pattern', () => {
    expect(identityLabel(policy, peer('spiffe://td/ns/prod/sa/api', 'h', 0))).toBe('spiffe://td/ns/prod/sa/api');
  });
  test('else the first matching pattern', () => {
    expect(identityLabel(policy, peer('spiffe://td/ns/dev/sa/api', 'h', 0))).toBe('spiffe://td/ns/*/sa/api');
    expect(identityLabel(policy, peer('spiffe://other/x', 'h', 0))).toBe('*');
  });
  test('no identity → unknown', () => {
    expect(identityLabel(policy, { ...peer('spiffe://td/x', 'h', 0), identity: undefined })).toBe('unknown');
  });
  test('one peer (one certificate) keeps its label per policy; a reloaded policy matches it afresh', () => {
    const shared = peer('spiffe://td/ns/dev/sa/api', 'h', 0);
    expect(identityLabel(policy, shared)).toBe('spiffe://td/ns/*/sa/api');
    expect(identityLabel(policy, shared)).toBe('spiffe://td/ns/*/sa/api');
    const reloaded = compileListenerPolicy({ name: 'app', paths: { strict: false }, routes: [{ name: 'c', methods: ['*'], path: '/**', allow: ['spiffe://td/ns/dev/sa/api'] }] } as never, 'enforce');
    expect(identityLabel(reloaded, shared)).toBe('spiffe://td/ns/dev/sa/api');
  });
});

describe('PeerExpiryTracker', () => {
  const now = 1_000_000_000;
  test('least remaining lifetime among recently seen certificates', () => {
    const tracker = new PeerExpiryTracker();
    tracker.seen('app', 'id', peer('spiffe://td/x', 'a', now + 3_600_000), now);
    tracker.seen('app', 'id', peer('spiffe://td/x', 'b', now + 600_000), now);
    expect(tracker.samples(now)).toEqual([{ listener: 'app', identity: 'id', seconds: 600 }]);
  });
  test('a certificate not presented for an hour is forgotten', () => {
    const tracker = new PeerExpiryTracker();
    tracker.seen('app', 'id', peer('spiffe://td/x', 'old', now + 60_000), now);
    tracker.seen('app', 'id', peer('spiffe://td/x', 'new', now + 86_400_000), now + 3_000_000);
    expect(tracker.samples(now + 3_700_000)).toEqual([{ listener: 'app', identity: 'id', seconds: Math.round((86_400_000 - 3_700_000) / 1000) }]);
    expect(tracker.samples(now + 3_000_000 + 3_700_000)).toEqual([]);
  });
  test('each label keeps a bounded number of certificates', () => {
    const tracker = new PeerExpiryTracker();
    for (let i = 0; i < 500; i += 1) tracker.seen('app', 'id', peer('spiffe://td/x', `c${i}`, now + (i + 1) * 1000), now + i);
    // The 64 most recently seen remain: the least of them expires at now + 437 s.
    expect(tracker.samples(now + 500)[0]!.seconds).toBe(437);
  });
});
