import { describe, expect, test } from 'vitest';
import { EgressTokenSource } from '../../../src/egress-tokens/source.js';
import type { TokenResult } from '../../../src/tokens/client-credentials.js';

const settings = { config: { tokenUrl: 'https://broker/token', timeoutMs: 1000, retryBodyBytes: 0 }, cert: 'c', key: 'k', ca: 'a', clientId: undefined };

function fakeFetcher(now: () => number) {
  let calls = 0;
  let down = false;
  let release: (() => void) | undefined;
  let hold = false;
  const fetcher = async (): Promise<TokenResult> => {
    calls += 1;
    if (hold) await new Promise<void>((resolve) => (release = resolve));
    if (down) return { ok: false, error: 'network', detail: 'ECONNREFUSED' };
    return { ok: true, token: { accessToken: `t${calls}`, expiresAt: now() + 10_000, lifetimeMs: 10_000, scope: undefined, raw: {} } };
  };
  return { fetcher, calls: () => calls, setDown: (value: boolean) => (down = value), holdNext: () => (hold = true), release: () => ((hold = false), release?.()) };
}

describe('egress token source', () => {
  test('concurrent callers share one fetch; a replaced token is fetched once for every holder of it', async () => {
    let clock = 1_000_000;
    const fake = fakeFetcher(() => clock);
    const events: string[] = [];
    const source = new EgressTokenSource(settings, { fetched: (result) => events.push(result), expiry: () => undefined }, fake.fetcher, () => clock);
    fake.holdNext();
    const lookups = Promise.all([source.current(), source.current(), source.current()]);
    await Promise.resolve();
    fake.release();
    expect((await lookups).map((lookup) => lookup.ok && lookup.token)).toEqual(['t1', 't1', 't1']);
    expect(fake.calls()).toBe(1);
    const replaced = await Promise.all([source.replace('t1'), source.replace('t1')]);
    expect(replaced.map((lookup) => lookup.ok && lookup.token)).toEqual(['t2', 't2']);
    expect(fake.calls()).toBe(2);
    // A caller holding an already replaced token gets the new one without a fetch.
    expect(await source.replace('t1')).toEqual({ ok: true, token: 't2' });
    expect(fake.calls()).toBe(2);
    source.close();
  });

  test('the endpoint down: the cached token until it expires, then unavailable (no fetch storm)', async () => {
    let clock = 1_000_000;
    const fake = fakeFetcher(() => clock);
    const source = new EgressTokenSource(settings, { fetched: () => undefined, expiry: () => undefined }, fake.fetcher, () => clock);
    expect(await source.current()).toEqual({ ok: true, token: 't1' });
    fake.setDown(true);
    clock += 9_000;
    expect(await source.current()).toEqual({ ok: true, token: 't1' });
    clock += 1_000;
    const down = await source.current();
    expect(down.ok).toBe(false);
    const calls = fake.calls();
    // Within the retry interval, callers are answered without another fetch.
    expect((await source.current()).ok).toBe(false);
    expect(fake.calls()).toBe(calls);
    fake.setDown(false);
    clock += 1_500;
    expect((await source.current()).ok).toBe(true);
    source.close();
  });
});
