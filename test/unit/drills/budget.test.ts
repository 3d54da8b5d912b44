import { describe, expect, it } from 'vitest';
import { AttemptBudget } from '../../../src/drills/budget.js';

const limits = { maxAttempts: 2, attemptsPerSecond: 1000, attemptTimeoutMs: 5000, totalTimeoutMs: 10_000 };

describe('attempt budget', () => {
  it('grants at most maxAttempts', async () => {
    const budget = new AttemptBudget(limits);
    expect(await budget.next()).toEqual({ ok: true, timeoutMs: 5000 });
    expect((await budget.next()).ok).toBe(true);
    expect(await budget.next()).toEqual({ ok: false, reason: 'the attempt limit (limits.maxAttempts = 2) is spent' });
    expect(budget.attempts).toBe(2);
  });

  it('cuts the last attempt to the time left and refuses after the deadline', async () => {
    let now = 0;
    const budget = new AttemptBudget({ ...limits, maxAttempts: 10 }, () => now);
    now = 8000;
    expect(await budget.next()).toEqual({ ok: true, timeoutMs: 2000 });
    now = 10_000;
    expect(await budget.next()).toMatchObject({ ok: false, reason: expect.stringContaining('limits.totalTimeoutMs = 10000') });
  });
});
