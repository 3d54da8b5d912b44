// The post-test audit, as findings: every token a sidecar accepted was granted by the broker,
// none was accepted after its revocation or its exp, and every scope a presented token held
// was required by some request (least privilege). Grants never used are reported as
// warnings: an egress sidecar's last background refresh is often never used, and that is fine.
import { jtiDigest } from '../telemetry/jti-digest.js';
import type { AuditInput } from './logs.js';

export type AuditCheck = 'granted' | 'not_revoked' | 'not_expired' | 'least_privilege' | 'grants_used';

export interface AuditFinding {
  readonly check: AuditCheck;
  readonly severity: 'violation' | 'warning';
  readonly message: string;
  /** Where to look: a sidecar log line, a grant jti, a client. */
  readonly where?: string;
}

export interface AuditOptions {
  /** Sidecar issuer names (tokens.issuers[].name) that stand for this broker; empty: every accepted token. */
  readonly issuers: readonly string[];
  /** Allowed clock difference between the logs when comparing with exp and revocation times. */
  readonly clockToleranceMs: number;
  /**
   * How long a revocation may take to reach the sidecars (their denylist refreshMs plus a
   * fetch): an acceptance within this much after the revocation is by design, not a violation.
   */
  readonly revocationDelayMs?: number;
}

export interface AuditResult {
  readonly findings: AuditFinding[];
  readonly counts: { grants: number; revocations: number; accepted: number };
  readonly checks: readonly AuditCheck[];
}

export const AUDIT_CHECKS: readonly AuditCheck[] = ['granted', 'not_revoked', 'not_expired', 'least_privilege', 'grants_used'];

export function analyzeAudit(input: AuditInput, options: AuditOptions): AuditResult {
  const findings: AuditFinding[] = [];
  const grants = new Map(input.grants.map((grant) => [jtiDigest(grant.jti), grant]));
  const revokedAt = new Map<string, number>();
  for (const revocation of input.revocations) {
    const earlier = revokedAt.get(revocation.jti);
    if (earlier === undefined || revocation.at < earlier) revokedAt.set(revocation.jti, revocation.at);
  }
  const presented = input.accepted.filter((record) => options.issuers.length === 0 || options.issuers.includes(record.issuer));
  const mine = presented.filter((record) => record.accepted);
  const used = new Set<string>();
  const usedScopes = new Map<string, Set<string>>();
  // Least privilege looks at every token presented, accepted or refused: a request refused as
  // overprivileged still had the route's scopes (scopes_used), and its token still held more.
  for (const record of presented) {
    const grant = record.jtiSha256 === null ? undefined : grants.get(record.jtiSha256);
    if (!grant) continue;
    used.add(grant.jti);
    const scopes = usedScopes.get(grant.client) ?? new Set<string>();
    for (const scope of record.scopesUsed) scopes.add(scope);
    usedScopes.set(grant.client, scopes);
  }
  for (const record of mine) {
    const where = `${record.file}:${record.line} (request ${record.requestId}, ${record.listener}/${record.route})`;
    const grant = record.jtiSha256 === null ? undefined : grants.get(record.jtiSha256);
    if (!grant) {
      findings.push({ check: 'granted', severity: 'violation', message: record.jtiSha256 === null ? 'a token without jti was accepted: the broker never grants one' : `a token (jti sha256 ${record.jtiSha256}) was accepted but the broker never granted it`, where });
      continue;
    }
    const revoked = revokedAt.get(grant.jti);
    if (revoked !== undefined && record.at > revoked + options.clockToleranceMs + (options.revocationDelayMs ?? 0)) {
      findings.push({ check: 'not_revoked', severity: 'violation', message: `token ${grant.jti} was accepted ${record.at - revoked} ms after its revocation`, where });
    }
    if (record.at > grant.exp * 1000 + options.clockToleranceMs) {
      findings.push({ check: 'not_expired', severity: 'violation', message: `token ${grant.jti} was accepted ${record.at - grant.exp * 1000} ms after its exp`, where });
    }
  }
  // Least privilege, per grant (client): scopes its presented tokens held that no request required.
  const heldByClient = new Map<string, Set<string>>();
  for (const grant of input.grants) {
    if (!used.has(grant.jti)) continue;
    const held = heldByClient.get(grant.client) ?? new Set<string>();
    for (const scope of grant.scopes) held.add(scope);
    heldByClient.set(grant.client, held);
  }
  for (const [client, held] of heldByClient) {
    const required = usedScopes.get(client) ?? new Set<string>();
    const excess = [...held].filter((scope) => !required.has(scope)).sort();
    if (excess.length > 0) findings.push({ check: 'least_privilege', severity: 'violation', message: `grant ${client} handed out scopes no request required: ${excess.join(' ')}`, where: `client ${client}` });
  }
  const unused = new Map<string, number>();
  for (const grant of input.grants) if (!used.has(grant.jti)) unused.set(grant.client, (unused.get(grant.client) ?? 0) + 1);
  for (const [client, count] of unused) findings.push({ check: 'grants_used', severity: 'warning', message: `${count} token(s) granted to ${client} were never used`, where: `client ${client}` });
  return { findings, counts: { grants: input.grants.length, revocations: revokedAt.size, accepted: mine.length }, checks: AUDIT_CHECKS };
}
