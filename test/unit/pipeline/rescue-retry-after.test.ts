// Retry-After on a denial: the deciding finding's own value (a limit that knows when it refills),
// rounded up to whole seconds and at least 1; else the reason's fixed value; else none.
import { expect, test } from 'vitest';
import { denialResponse } from '../../../src/pipeline/rescue.js';
import type { Finding } from '../../../src/core/findings.js';

const finding = (reason: Finding['reason'], retryAfterSeconds?: number): Finding => ({ check: 'test', reason, severity: 'deny', ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });

test("the deciding finding's retryAfterSeconds becomes Retry-After, in whole seconds, at least 1", () => {
  expect(denialResponse('identity_overloaded', 'r', finding('identity_overloaded', 7)).headers['retry-after']).toBe('7');
  expect(denialResponse('identity_overloaded', 'r', finding('identity_overloaded', 2.1)).headers['retry-after']).toBe('3');
  expect(denialResponse('identity_overloaded', 'r', finding('identity_overloaded', 0.01)).headers['retry-after']).toBe('1');
  expect(denialResponse('identity_overloaded', 'r', finding('identity_overloaded', 0)).headers['retry-after']).toBe('1');
});

test("without one, the reason's fixed value; a finding for another reason does not count", () => {
  expect(denialResponse('identity_overloaded', 'r').headers['retry-after']).toBe('1');
  expect(denialResponse('identity_not_allowed', 'r', finding('identity_not_allowed')).headers['retry-after']).toBeUndefined();
  expect(denialResponse('identity_not_allowed', 'r', finding('route_not_found', 9)).headers['retry-after']).toBeUndefined();
});
