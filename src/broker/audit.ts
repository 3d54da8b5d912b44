// The broker's audit trail: one JSON line per grant, refusal, revocation and key change, on
// the broker's log (stdout) and, when configured, appended to auditFile. `palisade audit`
// reads these lines. Built field by field from values that are never secret: no access token,
// no signature, no key material is ever passed in.
import { appendFileSync } from 'node:fs';
import type { Logger } from 'pino';

export interface GrantLine {
  readonly client: string;
  readonly sub: string;
  readonly x5t: string;
  readonly scopes: readonly string[];
  readonly aud: string;
  readonly jti: string;
  /** seconds since the epoch */
  readonly exp: number;
  readonly kid: string;
}

export interface RefusalLine {
  /** The grant name, or "none" when no grant matched. */
  readonly client: string;
  readonly sub: string | null;
  readonly error: string;
  readonly detail: string;
  readonly scope?: string;
  readonly audience?: string;
}

export interface RevocationLine {
  readonly by: string;
  readonly kind: 'token' | 'grant';
  readonly jti?: string;
  readonly identity?: string;
  readonly scope?: string;
  /** Every jti this revocation put on the list, with its expiry. */
  readonly revoked: ReadonlyArray<{ jti: string; exp: number }>;
}

export class BrokerAudit {
  constructor(
    private readonly log: Logger,
    private readonly file: string | undefined,
  ) {}

  grant(line: GrantLine): void {
    this.write('broker_grant', { ...line }, 'token granted');
  }

  refusal(line: RefusalLine): void {
    this.write('broker_refusal', { ...line }, 'token refused');
  }

  revocation(line: RevocationLine): void {
    this.write('broker_revocation', { ...line }, 'revoked');
  }

  key(event: 'rotated' | 'disabled', fields: { kid: string; previous?: string | undefined; trigger: string; next?: string | undefined; activeAt?: string }): void {
    this.write('broker_key', { event, ...fields }, `key ${event}`);
  }

  private write(type: string, fields: Record<string, unknown>, msg: string): void {
    this.log.info({ type, ...fields }, msg);
    if (this.file) appendFileSync(this.file, `${JSON.stringify({ time: new Date().toISOString(), type, ...fields })}\n`, { mode: 0o600 });
  }
}
