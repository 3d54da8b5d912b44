// Report-only findings (a policy configured to report, e.g. tokens.leastPrivilege: report):
// would_deny in any mode, and a real denial still wins.
import { expect, test } from 'vitest';
import { decide } from '../../../src/pipeline/decision.js';
import type { Finding } from '../../../src/core/findings.js';

const reportOnly: Finding = { check: 'least-privilege', reason: 'token_overprivileged', severity: 'deny', reportOnly: true };
const deny: Finding = { check: 'scopes', reason: 'insufficient_scope', severity: 'deny' };

test('a report-only finding alone → would_deny, even when enforcing', () => {
  expect(decide([reportOnly], 'enforce')).toMatchObject({ kind: 'would_deny', reason: 'token_overprivileged' });
  expect(decide([reportOnly], 'report')).toMatchObject({ kind: 'would_deny', reason: 'token_overprivileged' });
});

test('an enforceable denial takes precedence', () => {
  expect(decide([reportOnly, deny], 'enforce')).toMatchObject({ kind: 'deny', reason: 'insufficient_scope' });
});
