import { describe, expect, test } from 'vitest';
import { decide } from '../../../src/pipeline/decision.js';
import type { Finding } from '../../../src/core/findings.js';

const deny = (reason: Finding['reason']): Finding => ({ check: 'test', reason, severity: 'deny' });
const warn = (reason: Finding['reason']): Finding => ({ check: 'test', reason, severity: 'warn' });

describe('decide', () => {
  test('no findings → allow', () => {
    expect(decide([], 'enforce')).toMatchObject({ kind: 'allow', reason: 'none' });
  });
  test('warnings alone → allow', () => {
    expect(decide([warn('token_overprivileged')], 'enforce')).toMatchObject({ kind: 'allow', reason: 'none' });
  });
  test('enforce → deny with the first deny reason', () => {
    expect(decide([warn('weak_key'), deny('identity_not_allowed'), deny('insufficient_scope')], 'enforce')).toMatchObject({ kind: 'deny', reason: 'identity_not_allowed' });
  });
  test('report → would_deny', () => {
    expect(decide([deny('identity_not_allowed')], 'report')).toMatchObject({ kind: 'would_deny', reason: 'identity_not_allowed' });
  });
  test('report still denies what cannot be forwarded faithfully', () => {
    expect(decide([deny('identity_not_allowed'), deny('path_not_normalized')], 'report')).toMatchObject({ kind: 'deny', reason: 'path_not_normalized' });
  });
});
