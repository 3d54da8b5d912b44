// The token check's per-listener state: the verifier (with its remote JWKS stores), the jti
// denylist (with its remote store, when configured), the header tokens come in and the routes
// that need one. Prepared on load and on every reload (src/pipeline/chain-state.ts); remote
// stores with unchanged settings carry over, keys, list and timer included.
//
// Building one is pure: a new remote store is created but not started, so a reload that fails
// later fetches nothing. `activate` starts them after the swap; `release` closes the remote
// denylist a successor does not keep (a JWKS store holds no timer: it only fetches on demand).
// The token check (src/checks/token.ts) prepares it.
import type { InboundConfig } from '../config/schema.js';
import type { TokenPolicyConfig } from '../config/tokens-schema.js';
import type { TokenMaterial } from '../config/load-tokens.js';
import { TokenVerifier } from './verifier.js';
import { Denylist, RemoteDenylist } from './remote-denylist.js';

export class TokenRuntime {
  readonly verifier: TokenVerifier;
  /** The jti denylist file and, when configured, the broker's remote list. */
  readonly denylist: Denylist;
  /** Routes that need a verified token (`token`, default true). */
  readonly required: ReadonlySet<string>;

  constructor(
    readonly listener: string,
    readonly policy: TokenPolicyConfig,
    config: InboundConfig,
    material: TokenMaterial,
    previous: TokenRuntime | undefined,
  ) {
    this.verifier = new TokenVerifier(policy, material, previous?.verifier.remoteStores());
    const remote = policy.denylist && 'remote' in policy.denylist ? policy.denylist.remote : undefined;
    if (remote && material.denylistRemoteCa === undefined) throw new Error(`listener ${listener}: a remote denylist needs its trust bundle`);
    let store: RemoteDenylist | undefined;
    if (remote) {
      const kept = previous?.denylist.remote;
      const key = RemoteDenylist.settingsKey(remote, material.denylistRemoteCa as string);
      store = kept && RemoteDenylist.settingsKey(kept.config, kept.ca) === key ? kept : new RemoteDenylist(remote, material.denylistRemoteCa as string);
    }
    this.denylist = new Denylist(material.denylist, store);
    this.required = new Set(config.routes.filter((route) => route.token ?? true).map((route) => route.name));
  }

  /** After the swap: fetch what is new (stores kept from the previous state go on as they were). */
  activate(): void {
    this.verifier.start();
    this.denylist.remote?.start();
  }

  /** Close the remote denylist unless `keep` holds the same store. */
  release(keep: TokenRuntime | undefined): void {
    const store = this.denylist.remote;
    if (store && keep?.denylist.remote !== store) store.close();
  }
}
