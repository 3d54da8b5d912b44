// The chain as one listener runs it: for each check in CHAIN, the state it prepared for this
// listener, built once per (re)load and kept next to the listener's policy. Checks that have
// nothing to do on the listener (prepare returned undefined) are left out, so they cost nothing
// per request; the rest are kept in CHAIN order, each with its state at hand (no lookup by name).
//
// States are remembered by position in CHAIN, which is a constant: the next reload hands each
// check exactly the state it had (a replay cache, JWKS stores, rate buckets carry over).
import { CHAIN } from './chain.js';
import type { Check, ListenerInput, Prepared } from '../checks/types.js';

export interface ChainStep {
  readonly check: Check<unknown>;
  readonly state: unknown;
}

export class ChainState {
  private constructor(
    /** The checks this listener runs, in order, each with its state. */
    readonly steps: readonly ChainStep[],
    /** What each check of `chain` prepared, by position (undefined: not prepared / not active). */
    private readonly prepared: ReadonlyArray<Prepared<unknown> | undefined>,
    /** Some check reads the request body: the listener must offer a body reader. */
    readonly readsBody: boolean,
  ) {}

  /**
   * Prepare every check for one listener. Pure, like each check's prepare: nothing starts until
   * `activate`. If a check fails, what the ones before it built is released (keeping what they
   * share with `previous`) and the error names the check.
   */
  static prepare(input: ListenerInput, previous: ChainState | undefined, chain: readonly Check<unknown>[] = CHAIN): ChainState {
    const steps: ChainStep[] = [];
    const prepared: Array<Prepared<unknown> | undefined> = [];
    let readsBody = false;
    for (const [index, check] of chain.entries()) {
      if (!check.prepare) {
        prepared.push(undefined);
        steps.push({ check, state: undefined });
        continue;
      }
      let made: Prepared<unknown> | undefined;
      try {
        made = check.prepare(input, previous?.prepared[index]?.state);
      } catch (error) {
        prepared.forEach((done, at) => done?.release?.(previous?.prepared[at]?.state));
        throw new Error(`check ${check.name}: ${(error as Error).message}`, { cause: error });
      }
      prepared.push(made);
      if (!made) continue;
      steps.push({ check, state: made.state });
      if (made.readsBody) readsBody = true;
    }
    return new ChainState(steps, prepared, readsBody);
  }

  /** The state `check` prepared for this listener, or undefined when it is not active here. */
  stateOf<T>(check: Check<T>): T | undefined {
    return this.steps.find((step) => step.check === check)?.state as T | undefined;
  }

  /** Right after the swap: let each state start what it needs. */
  activate(): void {
    for (const made of this.prepared) made?.activate?.();
  }

  /**
   * This chain state serves no more: each check closes what its state holds that `keep`'s state
   * for the same check does not (the successor after a swap, the running state after a failed
   * build, undefined at shutdown).
   */
  release(keep: ChainState | undefined): void {
    this.prepared.forEach((made, index) => made?.release?.(keep?.prepared[index]?.state));
  }
}
