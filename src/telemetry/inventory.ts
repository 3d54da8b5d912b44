// The identity inventory behind /identities: every non-human identity seen on the inbound
// listeners, bounded in memory. Per identity: certificate identity (SPIFFE ID), token subjects,
// issuers and key ids, first and last seen, requests by decision, scopes granted vs used, and
// the last denial reasons. It is the data for a least-privilege report ("granted, never used")
// and for finding dormant identities. Fed only by the Recorder.
import type { DecisionKind } from '../pipeline/decision.js';
import type { RequestFacts } from '../checks/facts.js';
import type { ReasonCode } from '../core/reasons.js';

const MAX_VALUES = 32;
const MAX_SCOPES = 256;
const LAST_DENIALS = 5;

/** Insertion-ordered set that keeps the most recent `limit` values. */
class RecentSet {
  private readonly values = new Set<string>();
  /** The most recently added value: adding it again changes nothing (the usual case per request). */
  private newest: string | undefined;
  constructor(private readonly limit: number) {}
  add(value: string): void {
    if (value === this.newest) return;
    this.newest = value;
    this.values.delete(value);
    this.values.add(value);
    if (this.values.size > this.limit) this.values.delete(this.values.values().next().value as string);
  }
  has(value: string): boolean {
    return this.values.has(value);
  }
  list(): string[] {
    return [...this.values];
  }
}

interface Entry {
  readonly identity: string;
  readonly listeners: RecentSet;
  readonly firstSeen: number;
  lastSeen: number;
  readonly requests: Record<DecisionKind, number>;
  readonly subjects: RecentSet;
  readonly issuers: RecentSet;
  readonly keyIds: RecentSet;
  readonly granted: RecentSet;
  readonly used: RecentSet;
  readonly denials: Array<{ reason: ReasonCode | 'none'; route: string; at: number }>;
}

export interface InventoryObservation {
  readonly listener: string;
  readonly identity: string | undefined;
  readonly route: string;
  readonly decision: DecisionKind;
  readonly reason: ReasonCode | 'none';
  readonly facts: RequestFacts | undefined;
  readonly at: number;
}

export interface IdentityReport {
  readonly identity: string;
  readonly listeners: string[];
  readonly first_seen: string;
  readonly last_seen: string;
  readonly requests: Record<DecisionKind, number>;
  readonly token_subjects: string[];
  readonly token_issuers: string[];
  readonly key_ids: string[];
  readonly scopes_granted: string[];
  readonly scopes_used: string[];
  readonly scopes_granted_never_used: string[];
  readonly last_denials: Array<{ reason: string; route: string; at: string }>;
}

export class IdentityInventory {
  private readonly entries = new Map<string, Entry>();
  /** The identity seen last: already at the most recent end of `entries`, no move needed. */
  private newest: string | undefined;
  private evicted = 0;

  constructor(readonly maxIdentities = 1000) {}

  observe(observation: InventoryObservation): void {
    const key = observation.identity ?? 'unknown';
    let entry = this.entries.get(key);
    if (entry && key === this.newest) {
      // Already the most recent: nothing to move.
    } else if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      entry = {
        identity: key,
        listeners: new RecentSet(MAX_VALUES),
        firstSeen: observation.at,
        lastSeen: observation.at,
        requests: { allow: 0, deny: 0, would_deny: 0 },
        subjects: new RecentSet(MAX_VALUES),
        issuers: new RecentSet(MAX_VALUES),
        keyIds: new RecentSet(MAX_VALUES),
        granted: new RecentSet(MAX_SCOPES),
        used: new RecentSet(MAX_SCOPES),
        denials: [],
      };
      // Least recently seen first: the oldest identity goes when the map is full.
      this.entries.set(key, entry);
      if (this.entries.size > this.maxIdentities) {
        this.entries.delete(this.entries.keys().next().value as string);
        this.evicted += 1;
      }
    }
    this.newest = key;
    entry.lastSeen = observation.at;
    entry.listeners.add(observation.listener);
    entry.requests[observation.decision] += 1;
    const token = observation.facts?.get('token');
    if (token) {
      if (token.subject !== undefined) entry.subjects.add(token.subject);
      entry.issuers.add(token.issuer);
      if (token.kid !== undefined) entry.keyIds.add(token.kid);
      for (const scope of token.scopes) entry.granted.add(scope);
    }
    // Scopes count as used when the route needed them and the request went through.
    const used = observation.facts?.get('scopesUsed');
    if (used && observation.decision !== 'deny') for (const scope of used) entry.used.add(scope);
    if (observation.decision !== 'allow') {
      entry.denials.push({ reason: observation.reason, route: observation.route, at: observation.at });
      if (entry.denials.length > LAST_DENIALS) entry.denials.shift();
    }
  }

  snapshot(): { identities: IdentityReport[]; max_identities: number; evicted: number } {
    const identities = [...this.entries.values()].reverse().map((entry): IdentityReport => {
      const granted = entry.granted.list().sort();
      return {
        identity: entry.identity,
        listeners: entry.listeners.list(),
        first_seen: new Date(entry.firstSeen).toISOString(),
        last_seen: new Date(entry.lastSeen).toISOString(),
        requests: { ...entry.requests },
        token_subjects: entry.subjects.list(),
        token_issuers: entry.issuers.list(),
        key_ids: entry.keyIds.list(),
        scopes_granted: granted,
        scopes_used: entry.used.list().sort(),
        scopes_granted_never_used: granted.filter((scope) => !entry.used.has(scope)),
        last_denials: entry.denials.map((denial) => ({ reason: denial.reason, route: denial.route, at: new Date(denial.at).toISOString() })),
      };
    });
    return { identities, max_identities: this.maxIdentities, evicted: this.evicted };
  }
}
