// The chain state of a listener: each check's prepared state kept by position, handed back to
// it on the next prepare; unprepared checks left out; capabilities declared by states; nothing
// activated by prepare; a failing prepare releases what the checks before it built.
import { expect, test } from 'vitest';
import { ChainState } from '../../../src/pipeline/chain-state.js';
import type { Check, ListenerInput } from '../../../src/checks/types.js';

const input = {} as ListenerInput;

function counter(name: string, options: { readsBody?: boolean; skip?: boolean; fail?: boolean } = {}) {
  const log: string[] = [];
  const check: Check<{ generation: number }> = {
    name,
    prepare(_input, previous) {
      if (options.fail) throw new Error('cannot prepare');
      if (options.skip) return undefined;
      const state = { generation: (previous?.generation ?? 0) + 1 };
      return { state, ...(options.readsBody ? { readsBody: true } : {}), activate: () => log.push(`activate ${state.generation}`), release: (keep) => log.push(`release ${state.generation} keep ${keep?.generation ?? '-'}`) };
    },
    run: () => [],
  };
  return { check: check as Check<unknown>, log };
}

const stateless: Check<unknown> = { name: 'stateless', run: () => [] };

test('steps keep chain order, leave out checks with nothing prepared, and carry each state by position', () => {
  const a = counter('a');
  const skipped = counter('skipped', { skip: true });
  const b = counter('b', { readsBody: true });
  const chain = [a.check, stateless, skipped.check, b.check];
  const first = ChainState.prepare(input, undefined, chain);
  expect(first.steps.map((step) => step.check.name)).toEqual(['a', 'stateless', 'b']);
  expect(first.steps.map((step) => step.state)).toEqual([{ generation: 1 }, undefined, { generation: 1 }]);
  expect(first.readsBody).toBe(true);
  // Preparing started nothing.
  expect([...a.log, ...b.log]).toEqual([]);
  first.activate();
  const second = ChainState.prepare(input, first, chain);
  expect(second.steps.map((step) => step.state)).toEqual([{ generation: 2 }, undefined, { generation: 2 }]);
  second.activate();
  first.release(second);
  expect(a.log).toEqual(['activate 1', 'activate 2', 'release 1 keep 2']);
});

test('no check reading the body: the listener offers no body reader', () => {
  expect(ChainState.prepare(input, undefined, [counter('a').check, stateless]).readsBody).toBe(false);
});

test('a failing prepare names the check and releases what the earlier checks built, keeping the running states', () => {
  const a = counter('a');
  const running = ChainState.prepare(input, undefined, [a.check]);
  expect(() => ChainState.prepare(input, running, [a.check, counter('broken', { fail: true }).check])).toThrow('check broken: cannot prepare');
  expect(a.log).toEqual(['release 2 keep 1']);
});
