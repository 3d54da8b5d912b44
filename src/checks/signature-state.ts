// The signature check's per-listener state: the key registry (keyid → key, algorithm and the
// identity allowed to use it), each route's rule, the time limits and the replay cache.
// Prepared on load and on every reload (src/pipeline/chain-state.ts); the replay cache is
// carried over, so a reload never reopens a replay window. Preparing leaves the carried cache
// as it is (a reload that fails must not shrink the running one): its new capacity is applied
// in `activate`, after the swap.
import type { KeyObject } from 'node:crypto';
import { serializeInnerList, type Item } from 'structured-headers';
import type { LoadedVerifyKey } from '../config/load-signatures.js';
import type { InboundConfig } from '../config/schema.js';
import type { Prepared } from './types.js';
import type { SignatureAlgorithm } from '../signatures/algorithms.js';
import { parseComponentText, type Component } from '../signatures/components.js';
import type { DigestAlgorithm } from '../signatures/digest.js';
import { ReplayCache } from '../signatures/replay-cache.js';
import { compileIdentityPattern, type IdentityPattern } from '../core/identity-pattern.js';

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
  private readonly replayCacheSize: number;

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
    this.replayCacheSize = section.replayCacheSize;
    this.replay = previous?.replay ?? new ReplayCache(section.replayCacheSize);
  }

  /** After the swap: the carried-over replay cache takes this config's capacity. */
  activate(): void {
    this.replay.resize(this.replayCacheSize);
  }

  /** The metric label for a keyid: configured ones as they are, anything else `unknown`. */
  keyLabel(keyid: string | undefined): string {
    return keyid !== undefined && this.keys.has(keyid) ? keyid : 'unknown';
  }
}

/** The signature check's state for a listener, or undefined when it has no `signatures` section. */
export function prepareSignatureRuntime(config: InboundConfig, keys: ReadonlyMap<string, LoadedVerifyKey> | undefined, previous: SignatureRuntime | undefined): Prepared<SignatureRuntime> | undefined {
  if (!config.signatures) return undefined;
  const runtime = new SignatureRuntime(config, keys ?? new Map(), previous);
  // A signature route may need the body's digest: the listener then offers a bounded body reader.
  return { state: runtime, readsBody: true, activate: () => runtime.activate() };
}
