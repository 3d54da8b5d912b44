// Reading the audit trails `palisade audit` joins: the broker's JSON lines (grants,
// revocations) and the sidecars' request lines (which token each accepted request relied on).
// Lines that are not JSON, or not of these types, are skipped: both logs also carry
// lifecycle lines, and a log may have been captured with other output around it.
import { readFileSync } from 'node:fs';

export interface GrantRecord {
  readonly client: string;
  readonly sub: string;
  readonly jti: string;
  readonly scopes: readonly string[];
  readonly aud: string;
  /** seconds */
  readonly exp: number;
  /** ms */
  readonly at: number;
}

export interface RevocationRecord {
  readonly jti: string;
  /** ms: when the broker revoked it. */
  readonly at: number;
}

export interface AcceptedRecord {
  readonly file: string;
  readonly line: number;
  readonly listener: string;
  readonly route: string;
  readonly issuer: string;
  /** base64url SHA-256 of the jti (the sidecar never logs the jti itself). */
  readonly jtiSha256: string | null;
  /** seconds */
  readonly exp: number;
  readonly scopes: readonly string[];
  readonly scopesUsed: readonly string[];
  /** ms */
  readonly at: number;
  readonly requestId: string;
  /** false: the token verified but the request was denied (e.g. token_overprivileged, token_revoked). */
  readonly accepted: boolean;
}

export interface AuditInput {
  readonly grants: GrantRecord[];
  readonly revocations: RevocationRecord[];
  readonly accepted: AcceptedRecord[];
  /** Files that could not be read, with why. */
  readonly errors: string[];
}

function* jsonLines(file: string, errors: string[]): Iterable<[number, Record<string, unknown>]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    errors.push(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'cannot read'}`);
    return;
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = (lines[i] as string).trim();
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === 'object') yield [i + 1, value as Record<string, unknown>];
    } catch {
      // not one of ours
    }
  }
}

const time = (value: unknown): number => (typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : Number.NaN);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

export function readAuditInput(brokerLogs: readonly string[], sidecarLogs: readonly string[]): AuditInput {
  const errors: string[] = [];
  const grants: GrantRecord[] = [];
  const revocations: RevocationRecord[] = [];
  const accepted: AcceptedRecord[] = [];
  for (const file of brokerLogs) {
    for (const [, entry] of jsonLines(file, errors)) {
      const at = time(entry['time']);
      if (entry['type'] === 'broker_grant' && typeof entry['jti'] === 'string') {
        grants.push({ client: String(entry['client']), sub: String(entry['sub']), jti: entry['jti'], scopes: strings(entry['scopes']), aud: String(entry['aud']), exp: Number(entry['exp']), at });
      } else if (entry['type'] === 'broker_revocation' && Array.isArray(entry['revoked'])) {
        for (const revoked of entry['revoked'] as Array<{ jti?: unknown }>) if (typeof revoked?.jti === 'string') revocations.push({ jti: revoked.jti, at });
      }
    }
  }
  for (const file of sidecarLogs) {
    for (const [line, entry] of jsonLines(file, errors)) {
      const info = entry['token_info'] as Record<string, unknown> | undefined;
      // Presented: the token verified. Accepted: and the request was let through (allow, or report mode's would_deny).
      if (entry['type'] !== 'request' || !info) continue;
      accepted.push({
        file,
        line,
        listener: String(entry['listener']),
        route: String(entry['route']),
        issuer: String(info['issuer']),
        jtiSha256: typeof info['jti_sha256'] === 'string' ? info['jti_sha256'] : null,
        exp: Number(info['exp']),
        scopes: strings(info['scopes']),
        scopesUsed: strings(info['scopes_used']),
        at: time(entry['time']),
        requestId: String(entry['request_id']),
        accepted: entry['decision'] !== 'deny',
      });
    }
  }
  return { grants, revocations, accepted, errors };
}
