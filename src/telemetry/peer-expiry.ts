// palisade_peer_certificate_expiry_seconds{listener, identity}: for each configured identity,
// the least remaining lifetime among the certificates it presented recently. A workload whose
// certificate is about to expire shows up here before it breaks anything.
//
// Bounded on every axis: the identity label is a pattern from the listener's allow lists (or
// "unknown"), each label keeps at most MAX_CERTS certificates, and a certificate not presented
// for FORGET_MS is dropped, so a rotated-away certificate cannot hold the gauge down forever.
import type { ListenerPolicy } from '../checks/types.js';
import { matchIdentity } from '../core/identity-pattern.js';
import type { PeerInfo } from '../tls/peer-identity.js';

const MAX_CERTS = 64;
const FORGET_MS = 3_600_000;

interface Seen {
  notAfter: number;
  lastSeen: number;
}

/**
 * Labels by policy and peer: a reconnecting workload shares one PeerInfo per certificate
 * (src/tls/peer-cache.ts), so its label is matched against the allow lists once per policy, not
 * per connection. Weak keys: a replaced policy or an evicted peer takes its entries with it.
 */
const labels = new WeakMap<ListenerPolicy, WeakMap<PeerInfo, string>>();

/** The configured identity a peer counts under: an exact allow entry first, else the first pattern it matches. */
export function identityLabel(policy: ListenerPolicy, peer: PeerInfo): string {
  let byPeer = labels.get(policy);
  if (!byPeer) {
    byPeer = new WeakMap();
    labels.set(policy, byPeer);
  }
  let label = byPeer.get(peer);
  if (label === undefined) {
    label = matchLabel(policy, peer);
    byPeer.set(peer, label);
  }
  return label;
}

function matchLabel(policy: ListenerPolicy, peer: PeerInfo): string {
  const identity = peer.identity;
  if (!identity) return 'unknown';
  let firstMatch: string | undefined;
  for (const route of policy.routes) {
    for (const pattern of route.allow) {
      if (!matchIdentity(pattern, identity)) continue;
      if (pattern.source === identity.value || pattern.source === `${identity.kind}:${identity.value}`) return pattern.source;
      firstMatch ??= pattern.source;
    }
  }
  return firstMatch ?? 'unknown';
}

export class PeerExpiryTracker {
  private readonly labels = new Map<string, { listener: string; identity: string; certs: Map<string, Seen> }>();

  seen(listener: string, identity: string, peer: PeerInfo, now = Date.now()): void {
    const key = `${listener}\u0000${identity}`;
    let entry = this.labels.get(key);
    if (!entry) {
      entry = { listener, identity, certs: new Map() };
      this.labels.set(key, entry);
    }
    const existing = entry.certs.get(peer.sha256);
    if (existing) {
      existing.lastSeen = now;
      return;
    }
    if (entry.certs.size >= MAX_CERTS) {
      // Evict the certificate seen least recently.
      let oldest: string | undefined;
      let oldestSeen = Infinity;
      for (const [hash, seen] of entry.certs) {
        if (seen.lastSeen < oldestSeen) {
          oldest = hash;
          oldestSeen = seen.lastSeen;
        }
      }
      if (oldest) entry.certs.delete(oldest);
    }
    entry.certs.set(peer.sha256, { notAfter: peer.validTo.getTime(), lastSeen: now });
  }

  /** Current samples (seconds left, negative once expired); forgets what has not been seen for an hour. */
  samples(now = Date.now()): Array<{ listener: string; identity: string; seconds: number }> {
    const out: Array<{ listener: string; identity: string; seconds: number }> = [];
    for (const [key, entry] of this.labels) {
      let least = Infinity;
      for (const [hash, seen] of entry.certs) {
        if (now - seen.lastSeen > FORGET_MS) entry.certs.delete(hash);
        else least = Math.min(least, seen.notAfter);
      }
      if (entry.certs.size === 0) {
        this.labels.delete(key);
        continue;
      }
      out.push({ listener: entry.listener, identity: entry.identity, seconds: Math.round((least - now) / 1000) });
    }
    return out;
  }
}
