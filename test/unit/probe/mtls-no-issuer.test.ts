// Without a certificate issuer the mtls check cannot make its throwaway client certificates: it
// says so as a skipped check, and connects nowhere.
import { expect, test } from 'vitest';
import { checkMtls } from '../../../src/probe/mtls.js';
import type { ProbeContext } from '../../../src/probe/types.js';

test('the mtls check is skipped, with the reason, when no certificate issuer is given', async () => {
  const context = {
    target: { label: '127.0.0.1:1', host: '127.0.0.1', port: 1, nameToMatch: 'localhost' },
    settings: { timeoutMs: 1000, deadlineMs: 1000, concurrency: 1, checks: new Set(['mtls']) },
    refusedSessions: [],
  } as unknown as ProbeContext;
  const outcome = await checkMtls(context);
  expect(outcome.skipped).toBe('no certificate issuer to make the throwaway client certificates with');
  expect(outcome.findings).toEqual([]);
});
