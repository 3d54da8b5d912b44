import { describe, expect, it } from 'vitest';
import { analyzeAudit } from '../../../src/audit/analyze.js';
import type { AcceptedRecord, AuditInput, GrantRecord } from '../../../src/audit/logs.js';
import { renderAudit } from '../../../src/audit/report.js';
import { jtiDigest } from '../../../src/telemetry/jti-digest.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const grant = (jti: string, scopes: string[], extra: Partial<GrantRecord> = {}): GrantRecord => ({ client: 'fe', sub: 'spiffe://x/fe', jti, scopes, aud: 'orders', exp: T0 / 1000 + 60, at: T0, ...extra });
const accepted = (jti: string | null, at: number, scopesUsed: string[] = ['orders:read']): AcceptedRecord => ({ file: 'sidecar.log', line: 1, listener: 'app', route: 'orders-read', issuer: 'broker', jtiSha256: jti === null ? null : jtiDigest(jti), exp: T0 / 1000 + 60, scopes: ['orders:read'], scopesUsed, at, requestId: 'r', accepted: true });
const input = (parts: Partial<AuditInput>): AuditInput => ({ grants: [], revocations: [], accepted: [], errors: [], ...parts });
const options = { issuers: [], clockToleranceMs: 0 };

describe('palisade audit analysis', () => {
  it('a clean run has no violation; an unused grant is a warning', () => {
    const result = analyzeAudit(input({ grants: [grant('a', ['orders:read']), grant('b', ['orders:read'])], accepted: [accepted('a', T0 + 1000)] }), options);
    expect(result.findings).toEqual([{ check: 'grants_used', severity: 'warning', message: '1 token(s) granted to fe were never used', where: 'client fe' }]);
    expect(renderAudit(result, 'text')).toContain('ok: no violation');
  });

  it('flags tokens never granted, accepted after revocation, after exp, and scopes never required', () => {
    const result = analyzeAudit(
      input({
        grants: [grant('a', ['orders:read', 'orders:admin']), grant('late', ['orders:read'], { exp: T0 / 1000 + 1 })],
        revocations: [{ jti: 'a', at: T0 + 5000 }],
        accepted: [accepted('a', T0 + 1000), accepted('a', T0 + 6000), accepted('late', T0 + 2000), accepted('forged', T0), accepted(null, T0)],
      }),
      options,
    );
    const checks = result.findings.filter((finding) => finding.severity === 'violation').map((finding) => finding.check);
    expect(checks.sort()).toEqual(['granted', 'granted', 'least_privilege', 'not_expired', 'not_revoked']);
    expect(result.findings.find((finding) => finding.check === 'least_privilege')?.message).toContain('orders:admin');
    const junit = renderAudit(result, 'junit');
    expect(junit).toMatch(/<testsuite name="palisade audit" tests="5" failures="4" /);
    expect(junit).toMatch(/<testcase classname="palisade.audit" name="not_revoked" /);
  });

  it('audits only the named issuers when asked', () => {
    const result = analyzeAudit(input({ accepted: [{ ...accepted('x', T0), issuer: 'other-idp' }] }), { issuers: ['broker'], clockToleranceMs: 0 });
    expect(result.findings).toEqual([]);
  });
});
