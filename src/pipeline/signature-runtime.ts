// A listener's signature policy as the signature check uses it: the key registry (keyid →
// key, algorithm and the identity allowed to use it), each route's rule, the time limits and
// the replay cache. Built on load and on every reload and swapped whole with the listener
// state; the replay cache is carried over, so a reload never reopens a replay window.
import type { KeyObject } from 'node:crypto';
import { serializeInnerList, type Item } from 'structured-headers';
import type { LoadedVerifyKey } from '../config/load-signatures.js';
import type { InboundConfig } from '../config/schema.js';
import type { SignatureAlgorithm } from '../signatures/algorithms.js';
import { parseComponentText, type Component } from '../signatures/components.js';
import type { DigestAlgorithm } from '../signatures/digest.js';
import { ReplayCache } from '../signatures/replay-cache.js';
import { compileIdentityPattern, type IdentityPattern } from '../tls/identity-pattern.js';

export interface RegisteredKey {
  readonly keyid: string;
  readonly algorithm: SignatureAlgorithm;
  readonly key: KeyObject;
  readonly identity: IdentityPattern;
}

export interface RouteSignatureRule {
  readonly required: boolean;
  /** Components the signature must cover; null: the default minimum. */
  readonly components: readonly Component[] | null;
  readonly label?: string;
  readonly tag?: string;
  /** Accept-Signature values (RFC 9421 §5.1) without and with a body: computed once. */
  readonly acceptSignature: { readonly bodiless: string; readonly withBody: string };
}

/** For palisade_signature_verifications_total: `keyid` is a configured keyid, `unknown` or `none`. */
export interface SignatureVerificationFact {
  readonly keyid: string;
  readonly result: 'success' | 'failure';
  readonly reason: string;
}

function acceptSignatureValue(components: readonly string[], label: string, tag: string | undefined): string {
  const items: Item[] = components.map((text) => {
    const component = parseComponentText(text);
    return [component.name, component.params];
  });
  const params = new Map<string, string | boolean>([['created', true]]);
  if (tag !== undefined) params.set('tag', tag);
  return `${label}=${serializeInnerList([items, params])}`;
}

export class SignatureRuntime {
  readonly keys: ReadonlyMap<string, RegisteredKey>;
  readonly routes: ReadonlyMap<string, RouteSignatureRule>;
  readonly replay: ReplayCache;
  readonly maxAgeMs: number;
  readonly clockSkewMs: number;
  readonly maxBodyBytes: number;
  readonly digestAlgorithms: ReadonlySet<DigestAlgorithm>;
  /** Refuse ECDSA signatures whose s is above n/2 (signatures.ecdsaHighS: reject). */
  readonly rejectHighS: boolean;

  constructor(config: InboundConfig, keys: ReadonlyMap<string, LoadedVerifyKey>, previous: SignatureRuntime | undefined) {
    const section = config.signatures;
    if (!section) throw new Error(`listener ${config.name} has no signatures section`);
    this.keys = new Map([...keys.values()].map((key) => [key.keyid, { keyid: key.keyid, algorithm: key.algorithm, key: key.key, identity: compileIdentityPattern(key.identity) }]));
    const routes = new Map<string, RouteSignatureRule>();
    for (const route of config.routes) {
      const rule = route.signature;
      if (!rule) continue;
      const wanted = rule.components ?? ['@method', '@target-uri'];
      const label = rule.label ?? 'sig1';
      routes.set(route.name, {
        required: rule.required,
        components: rule.components ? rule.components.map(parseComponentText) : null,
        ...(rule.label !== undefined ? { label: rule.label } : {}),
        ...(rule.tag !== undefined ? { tag: rule.tag } : {}),
        acceptSignature: {
          bodiless: acceptSignatureValue(wanted, label, rule.tag),
          withBody: acceptSignatureValue(wanted.includes('content-digest') ? wanted : [...wanted, 'content-digest'], label, rule.tag),
        },
      });
    }
    this.routes = routes;
    this.maxAgeMs = section.maxAgeMs;
    this.clockSkewMs = section.clockSkewMs;
    this.maxBodyBytes = section.maxBodyBytes;
    this.digestAlgorithms = new Set(section.digestAlgorithms);
    this.rejectHighS = section.ecdsaHighS === 'reject';
    this.replay = previous?.replay ?? new ReplayCache(section.replayCacheSize);
    this.replay.resize(section.replayCacheSize);
  }

  /** The metric label for a keyid: configured ones as they are, anything else `unknown`. */
  keyLabel(keyid: string | undefined): string {
    return keyid !== undefined && this.keys.has(keyid) ? keyid : 'unknown';
  }
}
